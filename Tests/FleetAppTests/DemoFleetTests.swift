import FleetClient
import FleetModel
import Foundation
import RouterCoreTesting
import RouterWire
import Testing
@testable import FleetApp

/// The suites that start embedded demo fleets, one at a time: each checks that a stopped demo
/// left no listener behind by the port numbers this process listens on, and a demo of another
/// suite running at once could be given a port the first had just freed.
@Suite(.serialized) enum EmbeddedDemoSuites {}

extension EmbeddedDemoSuites {
@Suite("Embedded demo fleet: real routers on loopback", .serialized, .timeLimit(.minutes(Slowdown.factor)))
struct DemoFleetTests {
    @Test("starts 3 routers with nodes; a drain through NIOFleetControl shows in the next poll; stop unbinds everything",
          .timeLimit(.minutes(Slowdown.factor)))
    func demoFleet() async throws {
        let demo = try await FleetServices.demoFleet(.underTest)
        let listening: [Int: Set<String>]
        do {
            listening = try await Self.checkRunning(demo)
        } catch {
            await demo.stop()
            throw error
        }
        let stop = try #require(demo.stopReporting)
        let givenUp = await stop()
        // What is left: this process's own sockets, asked by their inodes, not by connecting
        // or by port (another test may bind a freed port at once, and that is a different
        // socket), and the unix socket files.
        func left() -> [String] {
            let after = Self.listeningSockets()
            let ports = listening.filter { !$0.value.isDisjoint(with: after[$0.key] ?? []) }.keys.sorted().map(String.init)
            return ports + demo.boundSockets.filter { $0.hasPrefix("/") && FileManager.default.fileExists(atPath: $0) }
        }
        var remaining = left()
        // A step given up on (a loaded machine) goes on by itself and closes what it holds
        // when it ends: that is waited for, within the stop's own limit, before anything
        // counts as left behind.
        let clock = ContinuousClock()
        let deadline = clock.now + DemoFleet.stopLimit * Slowdown.factor
        while !givenUp.isEmpty, !remaining.isEmpty, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            remaining = left()
        }
        #expect(remaining.isEmpty, "left after stop: \(remaining); steps the stop gave up waiting for: \(givenUp)")
    }

    /// The running fleet's routers, nodes and a drain; returns the inodes of the sockets it
    /// listens on, by port.
    static func checkRunning(_ demo: DemoFleet) async throws -> [Int: Set<String>] {
        #expect(demo.note == "demo fleet: 3 routers on loopback; edits apply for real")
        let control = try #require(demo.control as? NIOFleetControl)

        let first = await control.pollOnce(demo.endpoints)
        let documents = try demo.endpoints.map { try #require(try first[$0.id]?.get(), "\($0.name)") }
        #expect(documents.count == 3)
        let http = try #require(documents.first)
        let appNodes = http.subscriptions?.first { $0.key == "app.local" }?.nodes ?? []
        #expect(appNodes.count == 2)
        #expect(Set(appNodes.map(\.weight)) == [1, 2])
        #expect(http.subscriptions?.first { $0.key == "api.local" }?.nodes.count == 2)
        #expect(documents[1].subscriptions?.reduce(0) { $0 + $1.nodes.count } == 4, "the fast router has the nodes too")
        #expect(documents[2].staticNodes?.count == 2, "the raw router has its two echo nodes")

        let node = try #require(appNodes.first?.name)
        let outcome = try await control.apply(.drain(NodeRef(key: "app.local", node: node)), to: demo.endpoints[0])
        #expect(outcome == .applied)
        let after = try #require(try await control.pollOnce([demo.endpoints[0]])[demo.endpoints[0].id]?.get())
        let drained = after.subscriptions?.first { $0.key == "app.local" }?.nodes.first { $0.name == node }
        #expect(drained?.operatorFields.drain == 1)
        #expect([.draining, .drained].contains(drained?.operatorFields.state))

        let sockets = demo.boundSockets
        #expect(sockets.count >= 12)
        let ports = Self.tcpPorts(sockets)
        let listening = Self.listeningSockets().filter { ports.contains($0.key) }
        #expect(Set(listening.keys) == ports, "every TCP socket is listed while running")
        return listening
    }

    /// The ports of the `host:port` addresses.
    static func tcpPorts(_ addresses: [String]) -> Set<Int> {
        Set(addresses.compactMap { address in
            guard !address.hasPrefix("/"), let colon = address.lastIndex(of: ":") else { return nil }
            return Int(address[address.index(after: colon)...])
        })
    }

    /// This process's sockets in the TCP LISTEN state and its UDP sockets: their inodes by local
    /// port (from /proc/net/{tcp,udp}, matched to /proc/self/fd by inode).
    static func listeningSockets() -> [Int: Set<String>] {
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        let inodes = Set(descriptors.compactMap { name -> String? in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(name)"),
                  target.hasPrefix("socket:[") else { return nil }
            return String(target.dropFirst(8).dropLast())
        })
        var ports: [Int: Set<String>] = [:]
        for (table, state) in [("/proc/net/tcp", "0A"), ("/proc/net/tcp6", "0A"), ("/proc/net/udp", "07"), ("/proc/net/udp6", "07")] {
            // procfs files report size 0: read to EOF rather than by the reported size.
            let data = FileHandle(forReadingAtPath: table).map { handle in
                defer { try? handle.close() }
                return (try? handle.readToEnd()) ?? Data()
            } ?? Data()
            let text = String(decoding: data, as: UTF8.self)
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 9, fields[3] == state, inodes.contains(String(fields[9])),
                      let port = fields[1].split(separator: ":").last.flatMap({ Int($0, radix: 16) }) else { continue }
                ports[port, default: []].insert(String(fields[9]))
            }
        }
        return ports
    }
}
}

/// `BoundedWait` gives up on work past its limit and lets it run on.
@Suite struct BoundedWaitTests {
    @Test func workPastTheLimitIsReportedAsTimedOut() async {
        let finished = await BoundedWait.run(within: .milliseconds(20)) {
            try? await Task.sleep(for: .seconds(2))
        }
        #expect(!finished)
    }

    @Test func workWithinTheLimitIsReportedAsFinished() async {
        let finished = await BoundedWait.run(within: .seconds(60)) {
            try? await Task.sleep(for: .milliseconds(5))
        }
        #expect(finished)
    }
}
