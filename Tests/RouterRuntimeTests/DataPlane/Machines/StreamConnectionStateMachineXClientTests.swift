import NIOCore
import Testing
@testable import RouterRuntime

@Suite("Stream connection state machine: --rawrouter-xclient")
struct StreamConnectionStateMachineXClientTests {
    typealias Machine = StreamConnectionStateMachine
    static let t0 = StreamMachineSupport.t0

    static func buffer(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    /// A raw xclient machine for `client`, connected to its node.
    static func connected(client: SocketAddress? = try? SocketAddress(ipAddress: "192.0.2.25", port: 4000)) -> (Machine, Machine.Action) {
        var configuration = Machine.Configuration(mode: .raw(key: buffer(":25")))
        configuration.xclient = true
        var m = Machine(configuration: configuration)
        m.prepare(client: client)
        _ = m.start(now: t0)
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        let action = m.upstreamConnected(writable: true)
        return (m, action)
    }

    @Test("on connect nothing goes to the node: its greeting comes first")
    func connectWaitsForGreeting() {
        let (m, action) = Self.connected()
        #expect(action == .connected(write: nil, shutdownNodeOutput: false, resumeClientReads: false))
        #expect(m.relay?.awaitingGreeting == true)
    }

    @Test("the greeting is swallowed and XCLIENT ADDR= goes to the node with the client's held bytes")
    func greetingReplacedByXClient() {
        var (m, _) = Self.connected()
        #expect(m.clientRead(Self.buffer("EHLO early\r\n")) == .none)
        #expect(m.upstreamRead(Self.buffer("220 mx.test ESMTP\r\n")) == .connected(
            write: Self.buffer("XCLIENT ADDR=192.0.2.25\r\nEHLO early\r\n"), shutdownNodeOutput: false, resumeClientReads: false))
        #expect(m.upstreamRead(Self.buffer("220 mx.test ESMTP again\r\n")) == .writeToClient(Self.buffer("220 mx.test ESMTP again\r\n")))
        #expect(m.clientRead(Self.buffer("QUIT\r\n")) == .writeToNode(Self.buffer("QUIT\r\n")))
    }

    @Test("a greeting split over reads waits for its line end")
    func greetingSplit() {
        var (m, _) = Self.connected()
        #expect(m.upstreamRead(Self.buffer("220 mx")) == .none)
        #expect(m.upstreamRead(Self.buffer(".test\r")) == .none)
        guard case .connected(let write?, _, _) = m.upstreamRead(Self.buffer("\n")) else {
            Issue.record("expected the XCLIENT line")
            return
        }
        #expect(write == Self.buffer("XCLIENT ADDR=192.0.2.25\r\n"))
    }

    @Test("a greeting line over the limit closes the session")
    func greetingTooLong() {
        var (m, _) = Self.connected()
        let action = m.upstreamRead(Self.buffer(String(repeating: "x", count: Machine.maximumGreeting + 1)))
        #expect(action == .close(.greetingTooLong(limit: Machine.maximumGreeting)))
        #expect(m.state == .closed)
    }

    @Test("a client half-close during the greeting is passed on with the XCLIENT line")
    func halfCloseDuringGreeting() {
        var (m, _) = Self.connected()
        #expect(m.clientInputClosed() == .none)
        guard case .connected(_, true, _) = m.upstreamRead(Self.buffer("220 hi\r\n")) else {
            Issue.record("expected the node's output shut after XCLIENT")
            return
        }
    }

    @Test("an IPv6 client is named in Postfix's IPV6: form")
    func ipv6Client() throws {
        var (m, _) = Self.connected(client: try SocketAddress(ipAddress: "2001:db8::25", port: 4000))
        guard case .connected(let write?, _, _) = m.upstreamRead(Self.buffer("220 hi\r\n")) else {
            Issue.record("expected the XCLIENT line")
            return
        }
        #expect(write == Self.buffer("XCLIENT ADDR=IPV6:2001:db8::25\r\n"))
    }

    @Test("without an IP client, or without the option, the relay is plain")
    func plainRelay() throws {
        let (_, unix) = Self.connected(client: try SocketAddress(unixDomainSocketPath: "/tmp/x.sock"))
        #expect(unix == .connected(write: nil, shutdownNodeOutput: false, resumeClientReads: false))
        var m = StreamMachineSupport.raw()
        m.prepare(client: try SocketAddress(ipAddress: "192.0.2.25", port: 4000))
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        _ = m.upstreamConnected(writable: true)
        #expect(m.upstreamRead(Self.buffer("220 hi\r\n")) == .writeToClient(Self.buffer("220 hi\r\n")))
    }
}
