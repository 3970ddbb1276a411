import Foundation
import Testing

extension Interop {
    /// `--uid` / `--gid` and the router-prefixed owner options: fleetrouter started as root binds
    /// its sockets, then runs as the user asked for, and still serves.
    @Suite("fleetrouter drops privileges after binding", .requiresFleetrouter)
    struct OwnerTests {
        /// The test starts fleetrouter as root; in CI it must be root, elsewhere it is skipped.
        static func requireRoot() throws -> Bool {
            if getuid() == 0 { return true }
            if Uwsgi.mustRun { throw InteropError("the privilege-drop tests must run as root (CI=true)") }
            return false
        }

        /// The `Uid:`, `Gid:` and `Groups:` lines of `/proc/PID/status`, values only.
        static func ids(of pid: Int32) throws -> [String: String] {
            let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            var ids: [String: String] = [:]
            for line in status.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, ["Uid", "Gid", "Groups"].contains(String(parts[0])) else { continue }
                ids[String(parts[0])] = parts[1].split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
            }
            return ids
        }

        @Test("run as root with --uid nobody --gid nogroup (or the --http- prefixed options), it holds only nobody's ids and still serves",
              arguments: [["--uid", "nobody", "--gid", "nogroup"], ["--http-uid", "nobody", "--http-gid", "nogroup"], ["--uid", "65534", "--http-gid", "65534"]])
        func dropsToNobody(owner: [String]) async throws {
            guard try Self.requireRoot() else { return }
            try await InteropFleet.run { fleet in
                let router = try await fleet.startRouter([
                    "--http", "127.0.0.1:0", "--http-subscription-server", "127.0.0.1:0", "--http-stats", "127.0.0.1:0",
                ] + owner)
                #expect(router.process.lines.contains { $0.hasPrefix("fleetrouter: privileges dropped") && $0.contains("uid 65534 gid 65534 groups 65534") },
                        "\(router.process.logTail)")
                let ids = try Self.ids(of: router.process.pid)
                #expect(ids == ["Uid": "65534 65534 65534 65534", "Gid": "65534 65534 65534 65534", "Groups": "65534"])

                let nodes = try await fleet.startNodes([("node1", nil)], subscribingTo: [try fleet.subscriptionServer()])
                try await fleet.waitForSubscribed(nodes, on: try fleet.stats())
                // The node's socket lives in the test's root-only directory: open the way for nobody.
                #expect(chmod(fleet.directory.url.path, 0o711) == 0)
                #expect(chmod(nodes[0].socketPath ?? "", 0o666) == 0)
                let listener = try fleet.listener()
                let response = try await offload { try HTTPClient.get(listener) }
                #expect(response.status == 200)
                #expect(response.text == "hello from node1\n")
            }
        }

        @Test("owner options that name different users, or a user that does not exist, stop the start with the reason", arguments: [
            (["--uid", "nobody", "--http-uid", "root"], "--http-uid root: differs from --uid nobody"),
            (["--uid", "no-such-user-f1e2"], "--uid no-such-user-f1e2: no such user"),
            (["--gid", "no-such-group-f1e2"], "--gid no-such-group-f1e2: no such group"),
            (["--uid", "4000123"], "give --gid too"),
        ])
        func refusedOwners(owner: [String], reason: String) async throws {
            let directory = try TemporaryDirectory(prefix: "fleetrouter-owner")
            defer { directory.remove() }
            let process = try await ManagedProcess.launch(
                name: "fleetrouter", executable: try FleetrouterBinary.require(),
                arguments: ["--http", "127.0.0.1:0", "--http-to", "127.0.0.1:1"] + owner, directory: directory.url, environment: [:])
            let status = try await process.waitForExit(timeout: .seconds(20))
            #expect(status == .exited(2), "\(process.logTail)")
            #expect(process.lines.contains { $0.hasPrefix("fleetrouter: error:") && $0.contains(reason) }, "\(process.logTail)")
            #expect(!process.lines.contains("fleetrouter: ready"))
        }
    }
}
