import Foundation
import RouterWire
import Testing

extension Interop {
    /// fleetrouter's tuntap router and device side, as root, in network namespaces the tests
    /// create and remove: the router in one namespace, each peer in its own, all meeting on a
    /// unix socket in the test's directory. Each test uses its own 10.6x.0.0/24 network.
    @Suite("fleetrouter tuntap router and device in network namespaces", .requiresFleetrouter,
           .enabled(if: NetworkNamespaces.enabled, Comment(rawValue: "tuntap tests need root, netns and TUN: \(NetworkNamespaces.missing ?? "")")))
    struct TuntapRouterTests {
        /// A router (`ftr0`, `.1`, forwarding on) in namespace `r` with a stats socket.
        static func startRouter(
            _ spaces: NetworkNamespaces, _ directory: TemporaryDirectory, network: String, gateway: String? = nil, extra: [String] = []
        ) async throws -> (process: ManagedProcess, socket: String, stats: StatsProbe) {
            let socket = directory.file("tuntap.sock")
            let stats = directory.file("tuntap-stats.sock")
            let line = [ "ftr0", socket, stats] + (gateway.map { [$0] } ?? [])
            let router = try await spaces.fleetrouter("r", ["--tuntap-router", line.joined(separator: " ")] + extra, in: directory)
            try await spaces.configure("r", device: "ftr0", address: "\(network).1/24", forwarding: true)
            return (router, socket, StatsProbe(endpoint: .unix(path: stats)))
        }

        /// A fleetrouter device peer `ftp0` at `address` in namespace `role`.
        static func startDevice(
            _ spaces: NetworkNamespaces, _ role: String, _ directory: TemporaryDirectory, socket: String, address: String, rules: [String] = [],
            extra: [String] = []
        ) async throws -> ManagedProcess {
            let arguments = ["--tuntap-device", "ftp0 \(socket)"] + rules.flatMap { ["--tuntap-device-rule", $0] } + extra
            let device = try await spaces.fleetrouter(role, arguments, in: directory)
            try await spaces.configure(role, device: "ftp0", address: "\(address)/24")
            return device
        }

        /// A uWSGI device peer `uwp0` at `address` in namespace `role`. uWSGI runs its device
        /// hook only when jailed, once per privilege check while root, so it drops to nobody
        /// (its app socket is abstract, which needs no file permission).
        static func startUwsgiDevice(
            _ spaces: NetworkNamespaces, _ role: String, _ directory: TemporaryDirectory, socket: String, address: String
        ) async throws -> ManagedProcess {
            let uwsgi = try requireUwsgiTuntap()
            let device = try await spaces.launch(role, name: "uwsgi-device-\(role)", [
                uwsgi, "--plugin", "tuntap", "--jailed", "--uid", "65534", "--gid", "65534",
                "--tuntap-device", "uwp0 \(socket)", "--socket", "@ftt-app-\(role)",
            ], in: directory)
            try await device.waitForLine(containing: "initialized tuntap device uwp0")
            try await spaces.configure(role, device: "uwp0", address: "\(address)/24")
            return device
        }

        static func requireUwsgiTuntap() throws -> String {
            let uwsgi = try Uwsgi.require()
            let plugin = "\(Uwsgi.pluginDirectory)/tuntap_plugin.so"
            guard FileManager.default.fileExists(atPath: plugin) else { throw InteropError("missing \(plugin) (apt-get install uwsgi-core)") }
            return uwsgi
        }

        static func peer(_ document: StatsDocument, _ address: String) -> StatsDocument.TuntapPeer? {
            document.peers?.first { $0.addr == address }
        }

        /// Peers `.2` (in `a`) and `.3` (in `b`) of `network` register by pinging the router, then ping each other.
        static func expectPingEachOther(_ spaces: NetworkNamespaces, network: String) {
            #expect(spaces.pingUntilAnswered("a", "\(network).1") && spaces.pingUntilAnswered("b", "\(network).1"))
            #expect(spaces.succeeds("a", [NetworkNamespaces.ping!, "-c", "3", "-i", "0.2", "-W", "2", "\(network).3"]))
            #expect(spaces.succeeds("b", [NetworkNamespaces.ping!, "-c", "3", "-i", "0.2", "-W", "2", "\(network).2"]))
        }

        @Test("two peers in separate namespaces ping each other through fleetrouter's tun device; the stats peers document decodes with their credentials")
        func peersPingEachOther() async throws {
            try await NetworkNamespaces.run(["r", "a", "b"]) { spaces in
                let directory = try TemporaryDirectory(prefix: "fleettop-tuntap")
                defer { directory.remove() }
                let credentials = ["--tuntap-use-credentials"]
                let router = try await Self.startRouter(spaces, directory, network: "10.61.0", extra: credentials)
                let deviceA = try await Self.startDevice(spaces, "a", directory, socket: router.socket, address: "10.61.0.2", extra: credentials)
                _ = try await Self.startDevice(spaces, "b", directory, socket: router.socket, address: "10.61.0.3", extra: credentials)
                // A peer's address is learnt from its first packet.
                Self.expectPingEachOther(spaces, network: "10.61.0")
                let reading = try await router.stats.wait("both peers listed") { $0.peers?.count == 2 }
                let document = reading.document
                #expect(document.kind == "tuntap" && document.listeners == nil && document.cheap == nil)
                let a = try #require(Self.peer(document, "10.61.0.2"))
                let b = try #require(Self.peer(document, "10.61.0.3"))
                #expect(a.addr32 == UInt64(UInt32(0x0a3d_0002).bigEndian) && b.dropped == 0)
                #expect(a.pid == UInt64(deviceA.pid) && a.uid == 0, "SCM_CREDENTIALS name the device's process")
                #expect((a.txPackets ?? 0) >= 4 && (a.rxPackets ?? 0) >= 4 && a.tx > 0 && a.rx > 0)
                #expect(document.tuntapFirewall == StatsDocument.TuntapFirewall())
            }
        }

        @Test("a firewall-out deny blocks one direction: requests reach the peer, its replies are dropped")
        func firewallOutDeny() async throws {
            try await NetworkNamespaces.run(["r", "a", "b"]) { spaces in
                let directory = try TemporaryDirectory(prefix: "fleettop-tuntap")
                defer { directory.remove() }
                let router = try await Self.startRouter(
                    spaces, directory, network: "10.62.0", extra: ["--tuntap-router-firewall-out", "deny 10.62.0.3 10.62.0.2"])
                _ = try await Self.startDevice(spaces, "a", directory, socket: router.socket, address: "10.62.0.2")
                _ = try await Self.startDevice(spaces, "b", directory, socket: router.socket, address: "10.62.0.3")
                #expect(spaces.pingUntilAnswered("a", "10.62.0.1") && spaces.pingUntilAnswered("b", "10.62.0.1"))
                let before = try await router.stats.wait("both peers listed") { $0.peers?.count == 2 }.document
                #expect(!spaces.succeeds("a", [NetworkNamespaces.ping!, "-c", "3", "-i", "0.2", "-W", "1", "10.62.0.3"]))
                let after = try router.stats.read().document
                let delivered = (Self.peer(after, "10.62.0.3")?.txPackets ?? 0) - (Self.peer(before, "10.62.0.3")?.txPackets ?? 0)
                #expect(delivered >= 3, "a's requests reach b")
                #expect(Self.peer(after, "10.62.0.2")?.txPackets == Self.peer(before, "10.62.0.2")?.txPackets, "b's replies never reach a")
                #expect(spaces.succeeds("b", [NetworkNamespaces.ping!, "-c", "1", "-W", "2", "10.62.0.1"]), "b still reaches the router")
                #expect(after.tuntapFirewall?.outbound == ["deny 10.62.0.3/32 10.62.0.2/32"])
            }
        }

        @Test("a per-peer route rule (/24 meaning /24) and a router route send packets over the gateway UDP socket")
        func routesOverTheGateway() async throws {
            try await NetworkNamespaces.run(["r", "a"]) { spaces in
                let directory = try TemporaryDirectory(prefix: "fleettop-tuntap")
                defer { directory.remove() }
                let router = try await Self.startRouter(
                    spaces, directory, network: "10.63.0", gateway: "127.0.0.1:0",
                    extra: ["--tuntap-router-route", "10.63.0.0/24 10.63.8.0/24 127.0.0.1:47002"])
                // What arrives on each UDP target: the raw IPv4 packet; print its addresses.
                let script = """
                    import socket, sys
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    s.bind(("127.0.0.1", int(sys.argv[1])))
                    print("listening", flush=True)
                    while True:
                        data = s.recv(65536)
                        print("got %s -> %s" % (socket.inet_ntoa(data[12:16]), socket.inet_ntoa(data[16:20])), flush=True)
                    """
                let peerRoute = try await spaces.launch("r", name: "udp-47001", ["python3", "-c", script, "47001"], in: directory)
                let routerRoute = try await spaces.launch("r", name: "udp-47002", ["python3", "-c", script, "47002"], in: directory)
                try await peerRoute.waitForLine(containing: "listening")
                try await routerRoute.waitForLine(containing: "listening")
                _ = try await Self.startDevice(
                    spaces, "a", directory, socket: router.socket, address: "10.63.0.2",
                    rules: ["out 10.63.0.2 10.63.9.0/24 route 127.0.0.1:47001"])
                #expect(spaces.pingUntilAnswered("a", "10.63.0.1"))
                _ = spaces.succeeds("a", [NetworkNamespaces.ping!, "-c", "1", "-W", "1", "10.63.9.77"])
                _ = spaces.succeeds("a", [NetworkNamespaces.ping!, "-c", "1", "-W", "1", "10.63.8.66"])
                try await peerRoute.waitForLine(containing: "got 10.63.0.2 -> 10.63.9.77", timeout: .seconds(10))
                try await routerRoute.waitForLine(containing: "got 10.63.0.2 -> 10.63.8.66", timeout: .seconds(10))
                #expect(!peerRoute.lines.contains { $0.contains("10.63.8.66") } && !routerRoute.lines.contains { $0.contains("10.63.9.77") })
            }
        }

        @Test("a second peer claiming an address in use disconnects the older one, logged; the newer one is served")
        func addressCollision() async throws {
            try await NetworkNamespaces.run(["r", "a", "b"]) { spaces in
                let directory = try TemporaryDirectory(prefix: "fleettop-tuntap")
                defer { directory.remove() }
                let router = try await Self.startRouter(spaces, directory, network: "10.64.0")
                let older = try await Self.startDevice(spaces, "a", directory, socket: router.socket, address: "10.64.0.2")
                #expect(spaces.pingUntilAnswered("a", "10.64.0.1"))
                _ = try await Self.startDevice(spaces, "b", directory, socket: router.socket, address: "10.64.0.2")
                #expect(spaces.pingUntilAnswered("b", "10.64.0.1"))
                try await router.process.waitForLine(containing: "address 10.64.0.2 claimed by a newer peer (ip collision)")
                // The older device's link ends, and with it its process, as uWSGI's does.
                try await older.waitForLine(containing: "the router closed the connection")
                #expect(try await older.waitForExit(timeout: .seconds(10)) != .exited(0))
                let document = try await router.stats.wait("one peer left") { $0.peers?.count == 1 }.document
                #expect(document.peers?.first?.addr == "10.64.0.2")
            }
        }

        @Test("uWSGI's tuntap device is a peer of fleetrouter's router, next to fleetrouter's own device")
        func uwsgiDeviceOnFleetrouterRouter() async throws {
            _ = try Self.requireUwsgiTuntap()
            try await NetworkNamespaces.run(["r", "a", "b"]) { spaces in
                let directory = try TemporaryDirectory(prefix: "fleettop-tuntap")
                defer { directory.remove() }
                let router = try await Self.startRouter(spaces, directory, network: "10.65.0")
                _ = try await Self.startUwsgiDevice(spaces, "a", directory, socket: router.socket, address: "10.65.0.2")
                _ = try await Self.startDevice(spaces, "b", directory, socket: router.socket, address: "10.65.0.3")
                Self.expectPingEachOther(spaces, network: "10.65.0")
                let document = try await router.stats.wait("both peers listed") { $0.peers?.count == 2 }.document
                #expect(Set(document.peers?.map(\.addr) ?? []) == ["10.65.0.2", "10.65.0.3"])
            }
        }

        @Test("fleetrouter's device is a peer of uWSGI's tuntap router; fleetrouter's decoder reads uWSGI's peers document")
        func fleetrouterDeviceOnUwsgiRouter() async throws {
            let uwsgi = try Self.requireUwsgiTuntap()
            try await NetworkNamespaces.run(["r", "a", "b"]) { spaces in
                let directory = try TemporaryDirectory(prefix: "fleettop-tuntap")
                defer { directory.remove() }
                let socket = directory.file("utuntap.sock")
                let stats = directory.file("utuntap-stats.sock")
                let router = try await spaces.launch("r", name: "uwsgi-tuntap-router", [
                    uwsgi, "--plugin", "tuntap", "--master", "--tuntap-router", "utr0 \(socket) \(stats)",
                ], in: directory)
                try await router.waitForLine(containing: "tuntap stats server enabled")
                try await spaces.configure("r", device: "utr0", address: "10.66.0.1/24", forwarding: true)
                _ = try await Self.startDevice(spaces, "a", directory, socket: socket, address: "10.66.0.2")
                _ = try await Self.startUwsgiDevice(spaces, "b", directory, socket: socket, address: "10.66.0.3")
                Self.expectPingEachOther(spaces, network: "10.66.0")
                let document = try await StatsProbe(endpoint: .unix(path: stats)).wait("both peers listed") { $0.peers?.count == 2 }.document
                let a = try #require(Self.peer(document, "10.66.0.2"))
                #expect(a.tx > 0 && a.rx > 0 && a.txPackets == nil && document.tuntapFirewall == nil && document.kind == nil)
            }
        }
    }
}
