import NIOCore
import RouterWire
@testable import RouterRuntime

/// Builders shared by the HTTP machine's transition tests: no sockets, no clock.
enum HTTPMachineSupport {
    typealias Machine = HTTPConnectionStateMachine

    static let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    static let vars = try! HTTPConnectionVars(
        serverName: "router.test", serverPort: "8080", remoteAddress: "127.0.0.1", remotePort: "40000"
    )

    static func configuration(_ edit: (inout Machine.Configuration) -> Void = { _ in }) -> Machine.Configuration {
        var configuration = Machine.Configuration()
        configuration.defaultKey = ByteBuffer(string: "router.test")
        configuration.timeout = .seconds(60)
        configuration.headersTimeout = .seconds(10)
        edit(&configuration)
        return configuration
    }

    /// A machine after `start`.
    static func machine(_ edit: (inout Machine.Configuration) -> Void = { _ in }) -> Machine {
        var machine = Machine(configuration: configuration(edit), connectionVars: vars)
        _ = machine.start(now: t0)
        return machine
    }

    static func keepAliveMachine(_ edit: (inout Machine.Configuration) -> Void = { _ in }) -> Machine {
        machine {
            $0.keepalive = true
            edit(&$0)
        }
    }

    static func buffer(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    static func get(_ path: String = "/", host: String = "app.local", extra: String = "") -> String {
        "GET \(path) HTTP/1.1\r\nHost: \(host)\r\n\(extra)\r\n"
    }

    static func post(_ body: String, host: String = "app.local", method: String = "POST") -> String {
        "\(method) /p HTTP/1.1\r\nHost: \(host)\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
    }

    /// The uwsgi packet the parser makes for `head`, with these modifiers.
    static func packet(_ head: String, modifier1: UInt8 = 0, modifier2: UInt8 = 0) -> ByteBuffer {
        var parser = HTTPHeadParser()
        var out = ByteBuffer()
        _ = try! parser.parse(buffer(head), connection: vars, into: &out)
        UwsgiPacketEncoder.setModifiers(modifier1: modifier1, modifier2: modifier2, packetAt: out.readerIndex, in: &out)
        return out
    }

    /// Feeds `head` (and anything after it), routes to a node and connects.
    static func connected(
        _ machine: inout Machine, _ bytes: String, modifier1: UInt8 = 0, writable: Bool = true
    ) -> (connect: Machine.Action, connected: Machine.Action) {
        _ = machine.clientRead(buffer(bytes), now: t0)
        let connect = machine.routed(.node(modifier1: modifier1, modifier2: 0))
        return (connect, machine.upstreamConnected(writable: writable))
    }

    static let okLength = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    static let okNoLength = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello"

    /// The state's name, for parameterised tests.
    static func name(_ state: Machine.State) -> String {
        switch state {
        case .idle: "idle"
        case .bufferingBody: "bufferingBody"
        case .routing: "routing"
        case .connecting: "connecting"
        case .sendingBody: "sendingBody"
        case .awaitingResponse: "awaitingResponse"
        case .raw: "raw"
        case .closed: "closed"
        }
    }

    /// Every state a machine can be driven into, by name.
    static let stateNames = ["idle", "idleAfterResponse", "routing", "connecting", "sendingBody", "awaitingResponse", "raw", "closed"]

    /// A keep-alive machine driven into the named state.
    static func machine(in name: String) -> Machine {
        var m = keepAliveMachine { $0.websockets = true }
        switch name {
        case "idle":
            break
        case "idleAfterResponse":
            _ = connected(&m, get())
            _ = m.upstreamRead(buffer(okLength))
            _ = m.upstreamClosed(now: t0)
        case "routing":
            _ = m.clientRead(buffer(get()), now: t0)
        case "connecting":
            _ = m.clientRead(buffer(get()), now: t0)
            _ = m.routed(.node(modifier1: 0, modifier2: 0))
        case "sendingBody":
            _ = connected(&m, post("abcdef"))
        case "awaitingResponse":
            _ = connected(&m, get())
        case "raw":
            _ = connected(&m, "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: x\r\nSec-WebSocket-Version: 13\r\n\r\n")
        default:
            _ = m.clientRead(buffer("garbage\r\n\r\n"), now: t0)
        }
        return m
    }
}
