import FleetModel
import NIOConcurrencyHelpers
import NIOCore
import RouterWire
import SocketSupport
import Testing
@testable import FleetClient

#if canImport(Glibc)
import Glibc
#endif

/// Polls on raw sockets (`RawExchangeLoop`) against fake servers on loopback, and the same
/// failures told alike on raw sockets and through NIO.
@Suite struct RawSocketPollTests {
    static let answerTimeout = StatsPollTests.answerTimeout

    private func client(raw: Bool, limit: Int = 16 * 1024 * 1024) -> NIOFleetControl {
        NIOFleetControl(configuration: .init(timeout: Self.answerTimeout, maximumDocumentSize: limit, rawSocketPolls: raw))
    }

    private func endpoint(_ address: StatsAddress, name: String = "r1") -> RouterEndpoint {
        RouterEndpoint(name: name, stats: address)
    }

    private var loop: RawExchangeLoop {
        get throws { try #require(RawExchangeLoop.shared) }
    }

    private func port(of address: StatsAddress) -> UInt16 {
        if case let .tcp(_, port) = address { return port }
        return 0
    }

    @Test func literalUnixAndAbstractTargetsGoRawHostNamesDoNot() {
        #expect(RawDestination(StreamTarget(.tcp(host: "127.0.0.1", port: 1))) != nil)
        #expect(RawDestination(StreamTarget(.tcp(host: "::1", port: 1))) != nil)
        #expect(RawDestination(StreamTarget(.http(host: "127.0.0.1", port: 1, path: "/"))) != nil)
        #expect(RawDestination(StreamTarget(.unix(path: "/tmp/x.sock"))) != nil)
        #expect(RawDestination(StreamTarget(.abstract(name: "x"))) == .abstract("x"))
        #expect(RawDestination(StreamTarget(.tcp(host: "localhost", port: 1))) == nil)
        #expect(RawDestination(StreamTarget(.unix(path: "/tmp/" + String(repeating: "x", count: 200)))) == nil)
    }

    @Test(arguments: [FakeStatsServer.Place.tcp, .unix, .abstract])
    func documentIsReadOnEveryKindOfSocket(place: FakeStatsServer.Place) async throws {
        let server = try await FakeStatsServer.start(.writeOnConnect(Samples.uwsgiRaw), on: place)
        defer { Task { await server.stop() } }
        let polled = try await client(raw: true).poll(endpoint(server.address))
        #expect(polled.pid == 1619)
    }

    @Test func httpStatsAreRequestedAndReadRaw() async throws {
        let body = Samples.uwsgiRaw
        let head = "HTTP/1.0 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n"
        let server = try await FakeStatsServer.start(.answerAfterAnyBytes(Array(head.utf8) + body))
        defer { Task { await server.stop() } }
        let address = StatsAddress.http(host: "127.0.0.1", port: port(of: server.address), path: "/stats")
        let polled = try await client(raw: true).poll(endpoint(address))
        #expect(polled.version == "2.0.21-debian")
        let request = try #require(server.requests.first).head
        #expect(request.hasPrefix("GET /stats HTTP/1.0\r\n"))
    }

    @Test func largeAnswerComesThroughManyReads() async throws {
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let server = try await FakeStatsServer.start(.writeOnConnect(bytes))
        defer { Task { await server.stop() } }
        let destination = try #require(RawDestination(StreamTarget(server.address)))
        let response = try await loop.exchange(destination, request: nil, framing: .untilClose, limit: 1 << 20, timeout: Self.answerTimeout).get()
        #expect(Array(response.body.readableBytesView) == bytes)
    }

    @Test func answerOneByteOverTheLimitIsTooLarge() async throws {
        let bytes = Array(repeating: UInt8(ascii: "x"), count: 50_001)
        let server = try await FakeStatsServer.start(.writeOnConnect(bytes))
        defer { Task { await server.stop() } }
        let destination = try #require(RawDestination(StreamTarget(server.address)))
        let loop = try loop
        let tooLarge = await loop.exchange(destination, request: nil, framing: .untilClose, limit: 50_000, timeout: Self.answerTimeout)
        #expect(tooLarge == .failure(.read(.tooLarge(limit: 50_000))))
        let fits = await loop.exchange(destination, request: nil, framing: .untilClose, limit: 50_001, timeout: Self.answerTimeout)
        #expect((try? fits.get())?.body.readableBytes == 50_001)
    }

    @Test func manyPollsAtOnceAllEnd() async throws {
        let good = try await FakeStatsServer.start(.writeOnConnect(Samples.uwsgiRaw))
        let refusing = try TestSockets.closedPort()
        defer { Task { await good.stop() } }
        let endpoints = (0..<150).map { index in
            endpoint(index % 3 == 2 ? .tcp(host: "127.0.0.1", port: refusing) : good.address, name: "r\(index)")
        }
        let control = NIOFleetControl(configuration: .init(timeout: Self.answerTimeout, maximumConcurrentPolls: 150))
        let results = await control.pollOnce(endpoints)
        #expect(results.count == 150)
        for (index, endpoint) in endpoints.enumerated() {
            let result = try #require(results[endpoint.id])
            if index % 3 == 2 {
                guard case .failure(let error) = result, case .refused = error.kind else {
                    Issue.record("\(endpoint.id): expected refused, got \(result)")
                    continue
                }
            } else {
                #expect((try? result.get())?.pid == 1619, "\(endpoint.id)")
            }
        }
    }

    @Test func aShorterDeadlineStartedLaterStillEndsFirst() async throws {
        let server = try await FakeStatsServer.start(.hang)
        defer { Task { await server.stop() } }
        let destination = try #require(RawDestination(StreamTarget(server.address)))
        let loop = try loop
        let clock = ContinuousClock()
        // Each outcome is timed where it happens, on the loop's thread: timed after an await,
        // a loaded run (a sanitizer's, a CI's) delayed the test's own wake-up by seconds.
        let ended = NIOLockedValueBox<[String: (ContinuousClock.Instant, Result<ResponseReadStateMachine.Response, ExchangeFailure>)]>([:])
        func run(_ name: String, _ timeout: Duration) async {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                loop.start(destination, request: nil, framing: .untilClose, limit: 1000, timeout: timeout) { result in
                    ended.withLockedValue { $0[name] = (clock.now, result) }
                    continuation.resume()
                }
            }
        }
        let started = clock.now
        async let long: Void = run("long", .seconds(10))
        // The long one is very likely in flight first (the timer then armed for it).
        await run("short", .milliseconds(200))
        await long
        let (short, longOne) = try #require(ended.withLockedValue { state in state["short"].flatMap { short in state["long"].map { (short, $0) } } })
        #expect(short.1 == .failure(.timeout(connected: true)))
        #expect(longOne.1 == .failure(.timeout(connected: true)))
        #expect(started.duration(to: short.0) >= .milliseconds(200))
        // Without the timer armed again for it, the short one would have ended with the long one.
        #expect(short.0 < longOne.0)
        #expect(started.duration(to: short.0) < .seconds(8))
        #expect(started.duration(to: longOne.0) >= .seconds(10))
    }

    @Test func connectThatNeverCompletesTimesOutUnconnected() async throws {
        // A listener that never accepts, its queue full: the next SYN is dropped.
        let listener = try TestSockets.fullListener()
        defer { listener.close() }
        let address = StatsAddress.tcp(host: "127.0.0.1", port: listener.port)
        for raw in [true, false] {
            let result = await client(raw: raw).poll(endpoint(address), timeout: .milliseconds(300))
            guard case let .failure(error) = result, case let .timeout(_, connected) = error.kind else {
                Issue.record("raw \(raw): expected a timeout, got \(result)")
                continue
            }
            #expect(!connected, "raw \(raw)")
            #expect(error.description.contains("no connection within 0.3 s"), "raw \(raw)")
        }
    }

    /// The completion handler's outcome is the async poll's, on raw sockets (completed on the
    /// loop's thread), through NIO, and for a host name (always NIO, through a task).
    @Test func completionHandlerPollsTellWhatAsyncPollsTell() async throws {
        let good = try await FakeStatsServer.start(.writeOnConnect(Samples.uwsgiRaw))
        defer { Task { await good.stop() } }
        let refused = StatsAddress.tcp(host: "127.0.0.1", port: try TestSockets.closedPort())
        let named = StatsAddress.tcp(host: "localhost", port: port(of: good.address))
        for raw in [true, false] {
            let control = client(raw: raw)
            for address in [good.address, named, refused] {
                let router = endpoint(address)
                let handed = await withCheckedContinuation { continuation in
                    control.poll(router) { continuation.resume(returning: $0) }
                }
                let awaited = await control.poll(router, timeout: Self.answerTimeout)
                switch (handed, awaited) {
                case let (.success(left), .success(right)):
                    #expect(left == right, "\(address) raw \(raw)")
                    #expect(left.pid == 1619)
                    #expect(control.latestDocument(of: router.id) == right)
                case let (.failure(left), .failure(right)):
                    #expect(left as? PollError == right, "\(address) raw \(raw)")
                default:
                    // localhost may resolve to ::1 first where nothing listens: then both fail.
                    Issue.record("\(address) raw \(raw): \(handed) but \(awaited)")
                }
            }
        }
    }

    /// Each failure reads the same whichever transport met it.
    @Test func failuresAreToldAlikeOnRawSocketsAndThroughNIO() async throws {
        let empty = try await FakeStatsServer.start(.writeOnConnect([]))
        let half = try await FakeStatsServer.start(.answerAfterAnyBytes(Array("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n{\"version\":".utf8)))
        let big = try await FakeStatsServer.start(.writeOnConnect(Samples.uwsgiRaw))
        let hang = try await FakeStatsServer.start(.hang)
        defer { Task { await empty.stop(); await half.stop(); await big.stop(); await hang.stop() } }
        let cases: [(StatsAddress, Duration, Int)] = [
            (.tcp(host: "127.0.0.1", port: try TestSockets.closedPort()), Self.answerTimeout, 1 << 20),
            (.unix(path: TestNames.socketPath()), Self.answerTimeout, 1 << 20),
            (.abstract(name: TestNames.unique("absent")), Self.answerTimeout, 1 << 20),
            (empty.address, Self.answerTimeout, 1 << 20),
            (half.httpAddress, Self.answerTimeout, 1 << 20),
            (big.address, Self.answerTimeout, 1000),
            // Long enough that both paths have connected on a loaded machine (at 200 ms one
            // may not have, and would say "no connection within" where the other says "no
            // complete answer within").
            (hang.address, .seconds(2), 1 << 20),
            (hang.httpAddress, .seconds(2), 1 << 20),
        ]
        for (address, timeout, limit) in cases {
            let raw = await client(raw: true, limit: limit).poll(endpoint(address), timeout: timeout)
            let nio = await client(raw: false, limit: limit).poll(endpoint(address), timeout: timeout)
            guard case let .failure(rawError) = raw, case let .failure(nioError) = nio else {
                Issue.record("\(address): expected two failures, got \(raw) and \(nio)")
                continue
            }
            #expect(rawError == nioError)
            #expect(rawError.description == nioError.description)
            #expect(rawError.description.contains("(\(address))"))
        }
    }
}

extension TestSockets {
    /// A loopback listener that never accepts, with its accept queue already full.
    struct FullListener {
        var port: UInt16
        var descriptors: [CInt]

        func close() {
            for fd in descriptors { _ = Glibc.close(fd) }
        }
    }

    /// Listens with a backlog of 0 and fills the queue with connections nobody accepts.
    static func fullListener() throws -> FullListener {
        let fd = socket(AF_INET, SocketPrimitives.streamType, 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && listen(fd, 0) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else {
            Glibc.close(fd)
            throw Failure(description: "bind/listen: \(errno)")
        }
        var descriptors = [fd]
        // A backlog of 0 holds one connection; two more make sure the queue is full.
        for _ in 0..<2 {
            let client = socket(AF_INET, SocketPrimitives.streamType, 0)
            guard client >= 0 else { continue }
            _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
            _ = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, length) }
            }
            descriptors.append(client)
        }
        return FullListener(port: UInt16(bigEndian: address.sin_port), descriptors: descriptors)
    }
}
