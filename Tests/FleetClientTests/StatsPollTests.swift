import FleetModel
import RouterWire
import Testing
@testable import FleetClient

/// `NIOFleetControl.poll` against fake stats servers on loopback.
@Suite struct StatsPollTests {
    /// The poll timeout wherever a timeout is not what the test is about: every fake server
    /// answers or closes at once, so it only bounds a broken run, and it must not fire first on
    /// a loaded machine or under a sanitizer (500 ms did under ThreadSanitizer).
    static let answerTimeout = Duration.seconds(10)

    let client = NIOFleetControl(configuration: .init(timeout: Self.answerTimeout))

    private func endpoint(_ address: StatsAddress, name: String = "r1") -> RouterEndpoint {
        RouterEndpoint(name: name, stats: address)
    }

    private func pollError(_ address: StatsAddress) async -> PollError? {
        if case let .failure(error) = await client.poll(endpoint(address), timeout: Self.answerTimeout) { return error }
        return nil
    }

    @Test func rawDocumentIsReadToEOF() async throws {
        let document = Samples.fleetrouter(admin: nil)
        let server = try await FakeStatsServer.start(.writeOnConnect(Samples.encoded(document)))
        defer { Task { await server.stop() } }
        let polled = try await client.poll(endpoint(server.address))
        #expect(polled == document)
        #expect(client.latestDocument(of: "r1") == document)
    }

    @Test func realUWSGIBytesDecodeThroughThePoller() async throws {
        #expect(!Samples.uwsgiRaw.isEmpty, "sample file not found under \(Samples.testsDirectory)")
        let server = try await FakeStatsServer.start(.writeOnConnect(Samples.uwsgiRaw))
        defer { Task { await server.stop() } }
        let polled = try await client.poll(endpoint(server.address))
        #expect(polled.version == "2.0.21-debian")
        #expect(polled.subscriptions?.first?.key == "app.local")
        #expect(RouterFlavor(document: polled) == .uwsgi)
    }

    @Test(arguments: [true, false])
    func httpDocumentWithAndWithoutContentLength(contentLength: Bool) async throws {
        let body = Samples.uwsgiRaw
        // uWSGI's exact --stats-http header block has no Content-Length.
        let head = contentLength
            ? "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
            : "HTTP/1.0 200 OK\r\nConnection: close\r\nAccess-Control-Allow-Origin: *\r\nContent-Type: application/json\r\n\r\n"
        let server = try await FakeStatsServer.start(.answerAfterAnyBytes(Array(head.utf8) + body))
        defer { Task { await server.stop() } }
        let address = StatsAddress.http(host: "127.0.0.1", port: portOf(server.address), path: "/stats")
        let polled = try await client.poll(endpoint(address))
        #expect(polled.version == "2.0.21-debian")
        let request = try #require(server.requests.first).head
        #expect(request.hasPrefix("GET /stats HTTP/1.0\r\n"))
        #expect(request.contains("\r\nHost: 127.0.0.1:\(portOf(server.address))\r\n"))
    }

    @Test func httpErrorStatusIsReported() async throws {
        let server = try await FakeStatsServer.start(.answerAfterAnyBytes(Array("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".utf8)))
        defer { Task { await server.stop() } }
        let error = try #require(await pollError(server.httpAddress))
        #expect(error.kind == .badHTTPStatus(code: 404, reason: "Not Found"))
    }

    @Test func rawAnswerToHTTPAddressSaysSo() async throws {
        let server = try await FakeStatsServer.start(.writeOnConnect(Samples.uwsgiRaw))
        defer { Task { await server.stop() } }
        let error = try #require(await pollError(server.httpAddress))
        guard case let .malformedHTTP(reason) = error.kind else {
            Issue.record("expected malformedHTTP, got \(error)")
            return
        }
        #expect(reason.contains("drop http://"))
    }

    @Test func closedPortIsRefused() async throws {
        let address = StatsAddress.tcp(host: "127.0.0.1", port: try TestSockets.closedPort())
        let error = try #require(await pollError(address))
        guard case .refused = error.kind else {
            Issue.record("expected refused, got \(error)")
            return
        }
        #expect(error.description.hasPrefix("router r1 (127.0.0.1:"))
        #expect(error.description.contains("connection refused"))
    }

    @Test func missingUnixSocketIsRefused() async throws {
        let error = try #require(await pollError(.unix(path: TestNames.socketPath())))
        guard case .refused = error.kind else {
            Issue.record("expected refused, got \(error)")
            return
        }
    }

    @Test func hangingServerTimesOutWithinTheBound() async throws {
        let server = try await FakeStatsServer.start(.hang)
        defer { Task { await server.stop() } }
        let clock = ContinuousClock()
        let started = clock.now
        let result = await client.poll(endpoint(server.address), timeout: .milliseconds(300))
        let elapsed = started.duration(to: clock.now)
        guard case let .failure(error) = result, case let .timeout(seconds, connected) = error.kind else {
            Issue.record("expected a timeout, got \(result)")
            return
        }
        #expect(connected)
        #expect(seconds == 0.3)
        #expect(elapsed >= .milliseconds(300)) // the timeout, not an early give-up; the result kind proves it fired
        #expect(error.description.contains("--stats-http"))
    }

    @Test func garbageIsADecodeError() async throws {
        let server = try await FakeStatsServer.start(.writeOnConnect(Array("HELLO this is not json\n".utf8)))
        defer { Task { await server.stop() } }
        let error = try #require(await pollError(server.address))
        guard case .decode = error.kind else {
            Issue.record("expected decode, got \(error)")
            return
        }
        #expect(error.description.contains("not a stats document"))
    }

    @Test func halfADocumentIsADecodeError() async throws {
        let half = Array(Samples.uwsgiRaw.prefix(Samples.uwsgiRaw.count / 2))
        let server = try await FakeStatsServer.start(.writeOnConnect(half))
        defer { Task { await server.stop() } }
        let error = try #require(await pollError(server.address))
        guard case .decode = error.kind else {
            Issue.record("expected decode, got \(error)")
            return
        }
    }

    @Test func halfAnHTTPBodyIsClosedEarly() async throws {
        let bytes = Array("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n{\"version\":".utf8)
        let server = try await FakeStatsServer.start(.answerAfterAnyBytes(bytes))
        defer { Task { await server.stop() } }
        let error = try #require(await pollError(server.httpAddress))
        #expect(error.kind == .closedEarly(received: 11, expected: 5000))
    }

    @Test func emptyRawAnswerHintsAtStatsHTTP() async throws {
        let server = try await FakeStatsServer.start(.writeOnConnect([]))
        defer { Task { await server.stop() } }
        let error = try #require(await pollError(server.address))
        #expect(error.kind == .closedEarly(received: 0, expected: nil))
        #expect(error.description.contains("http://"))
    }

    @Test func oversizeDocumentIsTooLarge() async throws {
        let small = NIOFleetControl(configuration: .init(timeout: Self.answerTimeout, maximumDocumentSize: 1000))
        let server = try await FakeStatsServer.start(.writeOnConnect(Samples.uwsgiRaw))
        defer { Task { await server.stop() } }
        let result = await small.poll(endpoint(server.address), timeout: Self.answerTimeout)
        guard case let .failure(error) = result else {
            Issue.record("expected tooLarge, got a document")
            return
        }
        #expect(error.kind == .tooLarge(limit: 1000))
    }

    @Test(arguments: [FakeStatsServer.Place.unix, .abstract])
    func unixAndAbstractSockets(place: FakeStatsServer.Place) async throws {
        let server = try await FakeStatsServer.start(.writeOnConnect(Samples.uwsgiRaw), on: place)
        defer { Task { await server.stop() } }
        let polled = try await client.poll(endpoint(server.address))
        #expect(polled.pid == 1619)
    }

    @Test func missingAbstractSocketIsRefused() async throws {
        let error = try #require(await pollError(.abstract(name: TestNames.unique("absent"))))
        guard case .refused = error.kind else {
            Issue.record("expected refused, got \(error)")
            return
        }
        #expect(error.description.contains("(@fleettop-absent-"))
    }

    @Test func pollOnceReportsEveryRouter() async throws {
        let good = try await FakeStatsServer.start(.writeOnConnect(Samples.uwsgiRaw))
        let bad = try await FakeStatsServer.start(.writeOnConnect(Array("nope".utf8)))
        defer { Task { await good.stop(); await bad.stop() } }
        let endpoints = [
            endpoint(good.address, name: "good"), endpoint(bad.address, name: "bad"),
            endpoint(.tcp(host: "127.0.0.1", port: try TestSockets.closedPort()), name: "closed"),
        ]
        let results = await client.pollOnce(endpoints, timeout: Self.answerTimeout)
        #expect(results.count == 3)
        #expect((try? results["good"]?.get())?.pid == 1619)
        if case .failure(let error)? = results["bad"] { #expect(error.router == "bad") } else { Issue.record("bad decoded") }
        if case .failure(let error)? = results["closed"] { #expect(error.router == "closed") } else { Issue.record("closed answered") }
    }

    private func portOf(_ address: StatsAddress) -> UInt16 {
        if case let .tcp(_, port) = address { return port }
        return 0
    }
}
