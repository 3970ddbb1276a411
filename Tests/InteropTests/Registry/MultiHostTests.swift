import FleetRegistry
import Foundation
import Testing

/// Three "hosts" (network namespaces on one bridge, in a fourth namespace) each run a
/// registered fleetrouter; real uWSGI nodes on one host subscribe to the routers of the others;
/// one fleettop in the root namespace finds and reads all three through the registry. The
/// registry and every stats and admin socket are unix sockets, which the filesystem shares
/// across network namespaces, so the root namespace needs no interface of its own.
@Suite("multi-host fleet through the registry", .requiresEtcd, .requiresFleetrouter, .serialized, .timeLimit(.minutes(4)),
       .enabled(if: NetworkNamespaces.enabled, Comment(rawValue: "needs root and netns: \(NetworkNamespaces.missing ?? "")")))
struct MultiHostTests {
    static let hosts = ["h1", "h2", "h3"]

    /// `10.210.0.N` for host hN.
    static func address(_ host: String) -> String { "10.210.0.\(host.dropFirst())" }

    /// Joins each host to a bridge in the `lan` namespace through a veth pair, addressed
    /// `10.210.0.N/24`, and checks each reaches the others.
    static func wire(_ spaces: NetworkNamespaces) throws {
        let ip = NetworkNamespaces.ip!
        try spaces.exec("lan", [ip, "link", "add", "br0", "type", "bridge"])
        try spaces.exec("lan", [ip, "link", "set", "br0", "up"])
        for host in hosts {
            try spaces.exec(host, [ip, "link", "add", "eth0", "type", "veth", "peer", "name", "to-\(host)", "netns", spaces.names["lan"]!])
            try spaces.exec("lan", [ip, "link", "set", "to-\(host)", "master", "br0", "up"])
            try spaces.exec(host, [ip, "addr", "add", "\(address(host))/24", "dev", "eth0"])
            try spaces.exec(host, [ip, "link", "set", "eth0", "up"])
        }
        for host in hosts where host != "h1" {
            guard spaces.pingUntilAnswered("h1", address(host)) else { throw InteropError("h1 cannot reach \(host) over the bridge") }
        }
    }

    /// The subscription keys and their node names in one router's stats (from `snapshot --json`).
    static func subscriptions(_ document: Any?) -> [String: [String]] {
        guard let slots = (document as? [String: Any])?["subscriptions"] as? [[String: Any]] else { return [:] }
        var out: [String: [String]] = [:]
        for slot in slots {
            guard let key = slot["key"] as? String else { continue }
            out[key] = ((slot["nodes"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }
        }
        return out
    }

    /// `fleettop snapshot --json --registry LOCATION`, as plain JSON objects.
    static func snapshot(_ location: RegistryLocation) async throws -> [String: Any] {
        let json = try await Fleettop.snapshotOutput(registry: location)
        return (try JSONSerialization.jsonObject(with: json) as? [String: Any]) ?? [:]
    }

    @Test("routers on three hosts register; nodes on h1 serve through h2's and h3's routers; fleettop in the root namespace sees it all")
    func threeHosts() async throws {
        try await EtcdCluster.with { cluster in
            let location = cluster.location(prefix: "/multi")
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            _ = try directory.copyApp()
            try await NetworkNamespaces.run(["lan"] + Self.hosts) { spaces in
                try Self.wire(spaces)
                // A fleetrouter per host: HTTP and a subscription server on the host's address
                // (a namespace of its own, so fixed ports cannot collide), stats and admin on
                // unix sockets, registered as the host's name.
                for host in Self.hosts {
                    let address = Self.address(host)
                    _ = try await spaces.fleetrouter(host, [
                        "--http", "\(address):8080", "--http-subscription-server", "\(address):7000",
                        "--http-stats", directory.file("\(host).stats"), "--admin", directory.file("\(host).admin"),
                        "--fleet-registry", location.description, "--fleet-registry-name", host,
                    ], in: directory)
                }
                // Two uWSGI nodes on h1 announce themselves to the routers on h2 and h3.
                for (index, key) in ["app.h2", "app.h3"].enumerated() {
                    let server = Self.address(key == "app.h2" ? "h2" : "h3")
                    let socket = "\(Self.address("h1")):\(3031 + index)"
                    _ = try await spaces.launch("h1", name: "node-\(key)", [
                        try Uwsgi.require(), "--plugin", "python3", "--master", "--die-on-term", "--strict",
                        "--socket", socket, "--wsgi-file", directory.file("app.py"), "--need-app",
                        "--env", "NODE_NAME=h1-node-\(index)", "--processes", "1", "--subscribe-freq", "1",
                        "--subscribe2", "server=\(server):7000,key=\(key)",
                    ], in: directory)
                }

                // fleettop, in the root namespace, finds all three through the registry and
                // reads each one's subscriptions (bounded: 100 snapshots).
                var last: [String: Any] = [:]
                var seen = false
                for _ in 0..<100 {
                    last = try await Self.snapshot(location)
                    let h2 = Self.subscriptions(last["h2"])
                    let h3 = Self.subscriptions(last["h3"])
                    if Set(last.keys) == Set(Self.hosts), h2["app.h2"] == ["10.210.0.1:3031"], h3["app.h3"] == ["10.210.0.1:3032"] {
                        seen = true
                        break
                    }
                    try await Task.sleep(for: .milliseconds(200))
                }
                #expect(seen, "fleettop saw \(last.keys.sorted()) with h2 \(Self.subscriptions(last["h2"])) and h3 \(Self.subscriptions(last["h3"]))")
                #expect(Self.subscriptions(last["h1"]).isEmpty, "nobody subscribed to h1")

                // A client on h3 reaches h1's node through h2's router, across two namespaces.
                let answer = try spaces.exec("h3", ["/usr/bin/curl", "-sS", "--max-time", "10", "-H", "Host: app.h2", "http://\(Self.address("h2")):8080/"])
                #expect(answer == "hello from h1-node-0\n")
            }
        }
    }
}
