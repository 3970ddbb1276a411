import FleetApp
FleettopCommand.main()
