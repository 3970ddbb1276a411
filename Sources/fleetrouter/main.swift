import Logging
import RouterRuntime

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

LoggingSystem.bootstrap { label in StreamLogHandler.standardError(label: label) }
exit(await FleetRouterCommand.main(arguments: Array(CommandLine.arguments.dropFirst())))
