import FleetModel
import RouterWire

#if canImport(Glibc)
import Glibc
#endif

/// Captured uWSGI bytes and documents the tests serve.
enum Samples {
    /// The `Tests/` directory, from this file's path.
    static let testsDirectory: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3) // Support/Samples.swift, FleetClientTests
        return parts.joined(separator: "/")
    }()

    /// A real uWSGI 2.0.21 HTTP router's stats, exactly as its stats socket wrote them.
    static let uwsgiRaw: [UInt8] = read("\(testsDirectory)/RouterWireTests/Samples/stats/01-subscribed.http-router.raw.json")

    /// The sample decoded.
    static var uwsgiDocument: StatsDocument {
        get throws { try StatsDocument.decode(lenient: uwsgiRaw) }
    }

    /// A small fleetrouter document with one subscription node and one static node.
    static func fleetrouter(admin: String?) -> StatsDocument {
        StatsDocument(
            version: "fleetrouter 0.1", pid: 42, cwd: "/", activeSessions: 0,
            listeners: .init(routerName: "http", addresses: ["127.0.0.1:8080"]),
            staticNodes: [StatsDocument.StaticNode(name: "127.0.0.1:4000")],
            subscriptions: [StatsDocument.Slot(key: "app.local", hash: 1, nodes: [
                StatsDocument.Node(name: "127.0.0.1:3031", modifier1: 0, lastCheck: 1, cores: 2, load: 0, weight: 1),
            ])],
            kind: "http", admin: admin, cheapMode: .auto
        )
    }

    /// Encoded strict JSON of a document.
    static func encoded(_ document: StatsDocument) -> [UInt8] {
        document.encodeJSON()
    }

    private static func read(_ path: String) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        for _ in 0..<1024 {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        return bytes
    }
}
