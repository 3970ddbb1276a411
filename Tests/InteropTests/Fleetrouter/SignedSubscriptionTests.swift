import DataPlaneTesting
import Foundation
import Glibc
import ProcessTesting
import RouterWire
import Testing

extension Interop {
    /// uWSGI's signed subscriptions against fleetrouter's
    /// `--subscriptions-sign-check`: real uWSGI nodes sign with `--subscribe2 …,sign=SHA256:key`.
    /// Keys are made by `openssl` in the test's directory; nothing is committed.
    @Suite("fleetrouter: signed subscriptions from real uWSGI nodes", .requiresFleetrouter, .everyTransport)
    struct SignedSubscriptionTests {
        @Test("a node signing with the right key is accepted; a wrong key, an unsigned packet and a replayed one are dropped and counted")
        func signedSubscriptions() async throws {
            try await InteropFleet.run { fleet in
                let directory = fleet.directory
                let keys = directory.file("keys")
                try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: false)
                let good = directory.file("node.key")
                let evil = directory.file("evil.key")
                try Self.openssl(["genrsa", "-out", good, "2048"])
                try Self.openssl(["genrsa", "-out", evil, "2048"])
                for key in ["app.local", "replay.local"] {
                    try Self.openssl(["rsa", "-in", good, "-pubout", "-out", "\(keys)/\(key).pem"])
                }
                try await fleet.startRouter(FleetrouterArguments.httpRouter(
                    in: directory, extra: ["--subscriptions-sign-check", "SHA256:\(keys)"]))
                let server = try fleet.subscriptionServer()
                let admin = try fleet.admin()

                // Accepted: a real node signing with the key whose public half is in the directory.
                let signed = try await fleet.startNodes([("node1", nil)], subscribingTo: [server], sign: "SHA256:\(good)")
                try await fleet.waitForSubscribed(signed, on: fleet.stats())
                let listener = try fleet.listener()
                let response = try await offload { try HTTPClient(listener).request() }
                #expect(response.status == 200 && response.node == "node1")

                // A real node signing with another key: every announce is dropped.
                let forged = try await fleet.startNodes([("node2", nil)], subscribingTo: [server], sign: "SHA256:\(evil)")
                try await Self.waitForDropped(admin, reason: "bad_signature", atLeast: 2)
                #expect(try fleet.stats().read().document.nodeNames() == [signed[0].address])
                _ = forged

                // No signature at all.
                let unsigned = SubscriptionPacket(key: "app.local", address: "127.0.0.1:9", weight: 1)
                try SubscriptionDatagram.send(try SubscriptionDatagram.encoded(unsigned), to: server)
                try await Self.waitForDropped(admin, reason: "unsigned", atLeast: 1)

                // A correctly signed packet is taken once; the same bytes again are a replay, and
                // so is an older stamp (uWSGI takes both).
                let now = UInt64(Date().timeIntervalSince1970)
                let first = try Self.signedPacket(key: "replay.local", address: "127.0.0.1:9", unix: now, privateKey: good, in: directory)
                try SubscriptionDatagram.send(first, to: server)
                try await fleet.stats().wait("replay.local subscribed by a signed packet") { !$0.nodes(forKey: "replay.local").isEmpty }
                try SubscriptionDatagram.send(first, to: server)
                try await Self.waitForDropped(admin, reason: "replayed", atLeast: 1)
                let older = try Self.signedPacket(key: "replay.local", address: "127.0.0.1:9", unix: now - 1, privateKey: good, in: directory)
                try SubscriptionDatagram.send(older, to: server)
                try await Self.waitForDropped(admin, reason: "replayed", atLeast: 2)
                #expect(try fleet.stats().read().document.nodeNames() == [signed[0].address])
            }
        }

        /// A subscribe packet with `unix` and a `sign` item made by `openssl dgst -sign` over the
        /// bytes after the header through the `unix` item, as a uWSGI node signs (§2.6).
        static func signedPacket(key: String, address: String, unix: UInt64, privateKey: String, in directory: TemporaryDirectory) throws -> [UInt8] {
            let items: [(String, [UInt8])] = [
                ("key", Array(key.utf8)), ("address", Array(address.utf8)), ("modifier1", Array("0".utf8)),
                ("weight", Array("1".utf8)), ("unix", Array(String(unix).utf8)),
            ]
            let unsigned = SubscriptionDatagram.raw(items: items)
            let body = directory.file("signed-\(unix).bin")
            let signature = directory.file("signed-\(unix).sig")
            try Data(unsigned.dropFirst(4)).write(to: URL(fileURLWithPath: body))
            try openssl(["dgst", "-sha256", "-sign", privateKey, "-out", signature, body])
            let sign = Array(try Data(contentsOf: URL(fileURLWithPath: signature)))
            return SubscriptionDatagram.raw(items: items + [("sign", sign)])
        }

        /// Runs `openssl` with `arguments`; throws with its output when it fails.
        static func openssl(_ arguments: [String]) throws {
            let completion = try SpawnedProcess.run("/usr/bin/openssl", arguments, output: .combined)
            guard completion.termination == .exited(0) else {
                throw InteropError("openssl \(arguments.joined(separator: " ")) ended with \(completion.termination): \(completion.output)")
            }
        }

        /// The router's `fleetrouter_subscription_datagrams_dropped_total` for `reason` (http router).
        static func dropped(_ admin: AdminClient, reason: String) async throws -> Int {
            let response = try await offload {
                let head = HTTPClient.requestHead(method: "GET", path: "/metrics", host: "fleetrouter-admin", headers: [], bodyLength: 0, close: true)
                let client = HTTPClient(admin.endpoint)
                defer { client.disconnect() }
                return try client.exchange(head)
            }
            let prefix = "fleetrouter_subscription_datagrams_dropped_total{router=\"http\",reason=\"\(reason)\"} "
            guard let line = response.text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }),
                  let value = Int(line.dropFirst(prefix.count)) else {
                throw InteropError("no \(prefix)sample in /metrics:\n\(response.text)")
            }
            return value
        }

        /// Waits (bounded: 20 s, polling every 50 ms) until at least `count` datagrams were
        /// dropped for `reason`.
        static func waitForDropped(_ admin: AdminClient, reason: String, atLeast count: Int) async throws {
            let deadline = ContinuousClock.now + .seconds(20)
            var last = 0
            while ContinuousClock.now < deadline {
                last = try await dropped(admin, reason: reason)
                if last >= count { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw InteropError("\(last) datagrams dropped as \(reason) after 20 s; expected at least \(count)")
        }
    }
}
