import Dispatch
import Logging
import RouterRuntime

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

LoggingSystem.bootstrap { label in StreamLogHandler.standardError(label: label) }
// Not an async top level: that ends the main thread in `dispatch_main()` (pthread_exit) on
// Linux, and a dead main thread keeps root's ids in /proc/PID/status (what `ps` shows) after
// `--uid` drops every live thread's. The main thread waits here instead and takes the drop too.
let arguments = Array(CommandLine.arguments.dropFirst())
Task.detached {
    exit(await FleetRouterCommand.main(arguments: arguments, bootstrapMetrics: true))
}
DispatchSemaphore(value: 0).wait()
