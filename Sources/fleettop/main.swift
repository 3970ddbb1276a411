import FleetApp

// Top-level code runs on the main actor, so the dashboard's UI loop keeps the main thread.
await FleettopCommand.runMain()
