// A minimal HTTP router for Benchmarks/http-router.sh: one event loop (`--http-workers 1`),
// static nodes, keep-alive. To be replaced by `fleetrouter --http … --http-to …`.
//
//   RouterBench --http 127.0.0.1:8080 --http-to 127.0.0.1:3031 [--rawrouter ADDR --rawrouter-to ADDR]
import Logging
import NIOCore
import NIOPosix
import RouterRuntime

#if canImport(Glibc)
import Glibc
#endif

var httpListen: String?
var httpNodes: [String] = []
var rawListen: String?
var rawNodes: [String] = []
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--http": httpListen = arguments.next()
    case "--http-to": arguments.next().map { httpNodes.append($0) }
    case "--rawrouter": rawListen = arguments.next()
    case "--rawrouter-to": arguments.next().map { rawNodes.append($0) }
    default:
        FileHandleStderr.write("RouterBench: unknown argument '\(argument)'; expected --http, --http-to, --rawrouter, --rawrouter-to\n")
        exit(2)
    }
}

var logger = Logger(label: "RouterBench")
logger.logLevel = .warning
let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
var listeners: [ClientListener] = []
do {
    if let httpListen {
        let plane = DataPlane(
            policy: StaticNodesPolicy(nodes: try httpNodes.map { try NodeEndpoint(resolving: $0) }),
            sessions: SessionTable(group: group),
            logger: logger
        )
        var options = HTTPRouterOptions()
        options.keepalive = true
        listeners.append(try await ClientListener.bind(name: httpListen, kind: .http(options), group: group, plane: plane))
    }
    if let rawListen {
        let plane = DataPlane(
            policy: StaticNodesPolicy(nodes: try rawNodes.map { try NodeEndpoint(resolving: $0) }),
            sessions: SessionTable(group: group),
            logger: logger
        )
        listeners.append(try await ClientListener.bind(name: rawListen, kind: .raw(StreamRouterOptions()), group: group, plane: plane))
    }
} catch {
    FileHandleStderr.write("RouterBench: \(error)\n")
    exit(1)
}
for listener in listeners {
    print("listening on \(listener.localAddress?.description ?? listener.name)")
}
// Runs until killed.
while true {
    try await Task.sleep(for: .seconds(3600))
}

/// Writes diagnostics to standard error.
enum FileHandleStderr {
    static func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in _ = Glibc.write(2, bytes.baseAddress, bytes.count) }
    }
}
