import NIOConcurrencyHelpers
import NIOCore
import RouterWire
import RouterCore
import Testing
@testable import RouterRuntime

@Suite("The code forwarder's lookup machine: cache, one call per key, deadlines, bounds")
struct CodeLookupStateMachineTests {
    typealias Machine = CodeLookupStateMachine<Int>
    let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)
    let node = NodeAddress(address: "127.0.0.1:3031")

    func started(_ action: Machine.LookupAction) -> UInt64? {
        if case .start(let id) = action { return id }
        return nil
    }

    @Test("a miss starts one call; more requests for the key wait on it; the answer reaches all")
    func oneCallPerKey() throws {
        var machine = Machine()
        let id = try #require(started(machine.lookup("a", now: t0, waiter: 1)))
        guard case .wait = machine.lookup("a", now: t0, waiter: 2) else { Issue.record("second request did not wait"); return }
        #expect(started(machine.lookup("b", now: t0, waiter: 3)) != nil)
        let completion = machine.resolved("a", id: id, result: .success(CodeRoute(node: node)), now: t0)
        #expect(completion.waiters == [1, 2])
        #expect(try completion.outcome.get() == node)
        #expect(machine.flightCount == 1)
    }

    @Test("an answer is reused for its TTL, then asked again; TTL zero is never reused")
    func ttl() throws {
        var machine = Machine()
        let id = try #require(started(machine.lookup("a", now: t0, waiter: 1)))
        _ = machine.resolved("a", id: id, result: .success(CodeRoute(node: node, ttl: .seconds(5))), now: t0)
        guard case .answer(let cached) = machine.lookup("a", now: t0 + .seconds(4), waiter: 2) else {
            Issue.record("no cache hit within the TTL"); return
        }
        #expect(cached == node)
        #expect(started(machine.lookup("a", now: t0 + .seconds(5), waiter: 3)) != nil)
        var fresh = Machine()
        let again = try #require(started(fresh.lookup("z", now: t0, waiter: 1)))
        _ = fresh.resolved("z", id: again, result: .success(CodeRoute(node: node)), now: t0)
        #expect(started(fresh.lookup("z", now: t0, waiter: 2)) != nil)
        #expect(fresh.cachedCount == 0)
    }

    @Test("'no node' is cached like any answer; a failure is not")
    func negativeAndFailure() throws {
        var machine = Machine()
        let id = try #require(started(machine.lookup("none", now: t0, waiter: 1)))
        _ = machine.resolved("none", id: id, result: .success(CodeRoute(node: nil, ttl: .seconds(60))), now: t0)
        guard case .answer(nil) = machine.lookup("none", now: t0, waiter: 2) else { Issue.record("no negative hit"); return }
        let failing = try #require(started(machine.lookup("f", now: t0, waiter: 3)))
        let completion = machine.resolved("f", id: failing, result: .failure(.failed("boom")), now: t0)
        #expect(completion.waiters == [3])
        #expect(throws: CodeResolverError.failed("boom")) { try completion.outcome.get() }
        #expect(started(machine.lookup("f", now: t0, waiter: 4)) != nil)
    }

    @Test("the deadline fails the waiters; the key fails fast until the call returns; a late answer is cached")
    func deadline() throws {
        var machine = Machine()
        let id = try #require(started(machine.lookup("slow", now: t0, waiter: 1)))
        _ = machine.lookup("slow", now: t0, waiter: 2)
        let timedOut = machine.deadlinePassed("slow", id: id, timeout: 1000)
        #expect(timedOut.waiters == [1, 2])
        #expect(throws: CodeResolverError.timedOut(milliseconds: 1000)) { try timedOut.outcome.get() }
        guard case .fail(.stillRunning) = machine.lookup("slow", now: t0, waiter: 3) else { Issue.record("no fast failure"); return }
        // A second deadline for the same flight does nothing.
        #expect(machine.deadlinePassed("slow", id: id, timeout: 1000).waiters.isEmpty)
        let late = machine.resolved("slow", id: id, result: .success(CodeRoute(node: node, ttl: .seconds(1))), now: t0)
        #expect(late.waiters.isEmpty)
        guard case .answer(node) = machine.lookup("slow", now: t0, waiter: 4) else { Issue.record("late answer not cached"); return }
    }

    @Test("a stale flight's answer or deadline does not touch a newer flight")
    func staleEvents() throws {
        var machine = Machine()
        let id = try #require(started(machine.lookup("k", now: t0, waiter: 1)))
        #expect(machine.resolved("k", id: id &+ 7, result: .success(CodeRoute(node: node)), now: t0).waiters.isEmpty)
        #expect(machine.deadlinePassed("k", id: id &+ 7, timeout: 5).waiters.isEmpty)
        #expect(machine.isRunning("k", id: id))
    }

    @Test("bounds: calls at once, waiters per call, key length, cache entries")
    func bounds() throws {
        var limits = Machine.Limits()
        limits.flights = 2
        limits.waitersPerFlight = 2
        limits.keyBytes = 8
        limits.cacheEntries = 2
        var machine = Machine(limits: limits)
        let a = try #require(started(machine.lookup("a", now: t0, waiter: 1)))
        let b = try #require(started(machine.lookup("b", now: t0, waiter: 2)))
        guard case .fail(.busy(limit: 2)) = machine.lookup("c", now: t0, waiter: 3) else { Issue.record("third call admitted"); return }
        _ = machine.lookup("a", now: t0, waiter: 4)
        guard case .fail(.busy(limit: 2)) = machine.lookup("a", now: t0, waiter: 5) else { Issue.record("third waiter admitted"); return }
        guard case .fail(.keyTooLong(bytes: 9, limit: 8)) = machine.lookup("123456789", now: t0, waiter: 6) else {
            Issue.record("long key admitted"); return
        }
        _ = machine.resolved("a", id: a, result: .success(CodeRoute(node: node, ttl: .seconds(60))), now: t0)
        _ = machine.resolved("b", id: b, result: .success(CodeRoute(node: node, ttl: .seconds(60))), now: t0)
        let c = try #require(started(machine.lookup("c", now: t0, waiter: 7)))
        _ = machine.resolved("c", id: c, result: .success(CodeRoute(node: node, ttl: .seconds(60))), now: t0)
        #expect(machine.cachedCount == 2)
    }

    @Test("a huge TTL is capped; a negative one is not cached")
    func ttlClamp() throws {
        var machine = Machine()
        let id = try #require(started(machine.lookup("a", now: t0, waiter: 1)))
        _ = machine.resolved("a", id: id, result: .success(CodeRoute(node: node, ttl: .seconds(Int64.max))), now: t0)
        guard case .answer = machine.lookup("a", now: t0 + .hours(23), waiter: 2) else { Issue.record("not cached"); return }
        #expect(started(machine.lookup("a", now: t0 + .hours(25), waiter: 3)) != nil)
        #expect(Duration.seconds(-5).nanosecondsClamped == 0)
        #expect(Duration.seconds(Int64.max).nanosecondsClamped == .max)
    }
}

@Suite("Code resolver answers: the address text, the socket protocol's answer")
struct CodeRouteParsingTests {
    @Test(arguments: [
        ("127.0.0.1:3031", NodeAddress(address: "127.0.0.1:3031")),
        ("  /run/app.sock,5\n", NodeAddress(address: "/run/app.sock", modifier1: 5)),
        ("@abstract", NodeAddress(address: "@abstract")),
    ])
    func parses(text: String, expected: NodeAddress) throws {
        #expect(try CodeRoute(parsing: Array(text.utf8)).node == expected)
    }

    @Test("empty means no node")
    func empty() throws {
        #expect(try CodeRoute(parsing: Array(" \n".utf8)).node == nil)
    }

    @Test("garbage is refused naming what is wrong", arguments: [
        [UInt8](repeating: 65, count: 1025), [0xff, 0xfe], Array("host:1,999".utf8), Array(",5".utf8),
    ])
    func garbage(bytes: [UInt8]) {
        #expect(throws: CodeResolverError.self) { try CodeRoute(parsing: bytes) }
    }

    @Test("a node answer must be a node address")
    func validation() {
        let good = CodeForwarder.validate(CodeRoute(node: NodeAddress(address: "127.0.0.1:1")))
        #expect((try? good.get()) != nil)
        let bad = CodeForwarder.validate(CodeRoute(node: NodeAddress(address: "127.0.0.1:99999")))
        #expect((try? bad.get()) == nil)
        let long = CodeForwarder.validate(CodeRoute(node: NodeAddress(address: String(repeating: "a", count: 2000))))
        #expect((try? long.get()) == nil)
    }

    @Test("the socket request is a uwsgi packet carrying the key")
    func request() throws {
        let packet = CodeSocketProtocol.request(key: Array("app.local".utf8), router: "http")
        #expect(packet[0] == 0 && packet[3] == 0)
        #expect(Int(packet[1]) | Int(packet[2]) << 8 == packet.count - 4)
        var buffer = ByteBuffer(bytes: packet)
        var decoder = UwsgiPacketDecoder(maximumVarBlockSize: 65535)
        let decoded = try #require(try decoder.decodePacket(buffer: &buffer))
        #expect(decoded.vars.value(for: "FLEETROUTER_KEY").map { Array($0) } == Array("app.local".utf8))
        #expect(decoded.vars.value(for: "HTTP_HOST").map { Array($0) } == Array("app.local".utf8))
    }

    @Test("socket answers: 200 with the node and max-age, 404, other statuses, no head")
    func answers() throws {
        let ok = try CodeSocketProtocol.parseResponse(Array("HTTP/1.1 200 OK\r\nCache-Control: public, max-age=30\r\n\r\n127.0.0.1:9,0\n".utf8))
        #expect(ok == CodeRoute(node: NodeAddress(address: "127.0.0.1:9", modifier1: 0), ttl: .seconds(30)))
        let none = try CodeSocketProtocol.parseResponse(Array("HTTP/1.0 404 Not Found\r\n\r\nnope".utf8))
        #expect(none.node == nil)
        #expect(throws: CodeResolverError.failed("the resolver answered status 500")) {
            try CodeSocketProtocol.parseResponse(Array("HTTP/1.1 500 Boom\r\n\r\n".utf8))
        }
        #expect(throws: CodeResolverError.self) { try CodeSocketProtocol.parseResponse([]) }
        #expect(throws: CodeResolverError.self) { try CodeSocketProtocol.parseResponse(Array("SMTP 220\r\n\r\n".utf8)) }
        #expect(throws: CodeResolverError.self) {
            try CodeSocketProtocol.parseResponse(Array("HTTP/1.1 200 OK\r\nCache-Control: max-age=99999999999\r\n\r\nx:1".utf8))
        }
    }
}

@Suite("PendingRoute delivers one decision once")
struct PendingRouteTests {
    final class Seen: Sendable {
        let count = NIOLockedValueBox(0)
    }

    @Test("decided before or after the waiter arrives; a second decision is ignored")
    func once() {
        let seen = Seen()
        let early = PendingRoute()
        early.decide(.refused(.noNode))
        early.whenDecided { _ in seen.count.withLockedValue { $0 += 1 } }
        early.decide(.refused(.noKey))
        let late = PendingRoute()
        late.whenDecided { decision in
            if case .refused(.resolverFailed) = decision { seen.count.withLockedValue { $0 += 10 } }
        }
        late.decide(.refused(.resolverFailed))
        late.decide(.refused(.noNode))
        #expect(seen.count.withLockedValue { $0 } == 11)
    }
}
