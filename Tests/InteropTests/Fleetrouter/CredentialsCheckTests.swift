import DataPlaneTesting
import Foundation
import Glibc
import ProcessTesting
import Testing

extension Interop {
    /// uWSGI's UNIX-credentials check (§2.7) against real uWSGI nodes: fleetrouter's
    /// subscription server is a unix datagram socket with `--subscriptions-use-credentials`
    /// and `--subscriptions-credentials-check DIR/`, and a packet for key K is taken only when
    /// `DIR/K` exists and belongs to the sending node's uid and gid, which the kernel supplies.
    @Suite("fleetrouter: credentials-checked subscriptions from real uWSGI nodes", .requiresFleetrouter, .everyTransport)
    struct CredentialsCheckTests {
        @Test("a node whose key file it owns is taken; a key file owned by another uid, or none, drops its announces as credentials")
        func credentialsCheck() async throws {
            try await InteropFleet.run { fleet in
                let directory = fleet.directory
                let credentials = directory.file("credentials")
                try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: false)
                // The nodes run as this test's uid and gid, so a file the test creates is theirs.
                try Data().write(to: URL(fileURLWithPath: "\(credentials)/app.local"))
                // Only root can give a file away; as another user the foreign-owner case is
                // left out, except under CI=true, where not being root fails the test.
                let foreignOwner = geteuid() == 0
                if Uwsgi.mustRun && !foreignOwner {
                    throw InteropError("CI=true: the credentials test must run as root to give a key file to uid 65534")
                }
                if foreignOwner {
                    try Data().write(to: URL(fileURLWithPath: "\(credentials)/foreign.local"))
                    guard chown("\(credentials)/foreign.local", 65534, 65534) == 0 else {
                        throw InteropError("chown \(credentials)/foreign.local to 65534: errno \(errno)")
                    }
                }

                let socket = directory.file("subscriptions.sock")
                try await fleet.startRouter(FleetrouterArguments.httpRouter(
                    in: directory, subscriptionServer: socket,
                    extra: ["--subscriptions-use-credentials", "--subscriptions-credentials-check", credentials + "/"]))
                let server = try fleet.subscriptionServer()
                guard case .unix(let path) = server, path == socket else {
                    throw InteropError("the subscription server is \(server), expected the unix socket \(socket)")
                }
                let admin = try fleet.admin()

                // Accepted: the node's uid and gid own credentials/app.local.
                let owner = try await fleet.startNodes([("owner", nil)], subscribingTo: [server])
                try await fleet.waitForSubscribed(owner, on: fleet.stats())
                let listener = try fleet.listener()
                let response = try await offload { try HTTPClient(listener).request() }
                #expect(response.status == 200 && response.node == "owner")

                // Dropped: no file for the key at all. The stranger is killed (no unsubscribe)
                // once its drops are counted, so later counts are the impostor's alone.
                let before = try await SignedSubscriptionTests.dropped(admin, reason: "credentials")
                let stranger = try await fleet.startNodes([("stranger", nil)], subscribingTo: [server], key: "missing.local")
                try await SignedSubscriptionTests.waitForDropped(admin, reason: "credentials", atLeast: before + 2)
                await stranger[0].terminate()
                #expect(try fleet.stats().read().document.nodes(forKey: "missing.local").isEmpty)

                guard foreignOwner else { return }
                // Dropped: the key's file exists but belongs to uid 65534, not to the node.
                let afterMissing = try await SignedSubscriptionTests.dropped(admin, reason: "credentials")
                let impostor = try await fleet.startNodes([("impostor", nil)], subscribingTo: [server], key: "foreign.local")
                try await SignedSubscriptionTests.waitForDropped(admin, reason: "credentials", atLeast: afterMissing + 2)
                #expect(try fleet.stats().read().document.nodes(forKey: "foreign.local").isEmpty)

                // The same node is taken once the file is given to its uid and gid: ownership,
                // not the file's presence, was what refused it.
                guard chown("\(credentials)/foreign.local", getuid(), getgid()) == 0 else {
                    throw InteropError("chown \(credentials)/foreign.local back: errno \(errno)")
                }
                try await fleet.waitForSubscribed(impostor, key: "foreign.local", on: fleet.stats())
                #expect(try fleet.stats().read().document.nodeNames() == [owner[0].address])
            }
        }
    }
}
