import NIOCore
import RouterWire
import Testing
@testable import RouterRuntime

/// Builders for the stream machine's transition tests: no sockets, no clock.
enum StreamMachineSupport {
    typealias Machine = StreamConnectionStateMachine

    static let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    static func packet(_ vars: [(String, String)], modifier1: UInt8 = 0, modifier2: UInt8 = 0) -> ByteBuffer {
        var block: [UInt8] = []
        for (k, v) in vars {
            block += [UInt8(k.utf8.count & 0xFF), UInt8(k.utf8.count >> 8)] + Array(k.utf8)
            block += [UInt8(v.utf8.count & 0xFF), UInt8(v.utf8.count >> 8)] + Array(v.utf8)
        }
        return ByteBuffer(bytes: [modifier1, UInt8(block.count & 0xFF), UInt8(block.count >> 8), modifier2] + block)
    }

    static func request(method: String = "GET", key: String = "app.key", body: Int = 0, modifier1: UInt8 = 0, modifier2: UInt8 = 0) -> ByteBuffer {
        var vars = [("REQUEST_METHOD", method), ("UWSGI_FASTROUTER_KEY", key), ("PATH_INFO", "/p")]
        if body > 0 { vars.append(("CONTENT_LENGTH", String(body))) }
        return packet(vars, modifier1: modifier1, modifier2: modifier2)
    }

    static func fast(_ edit: (inout Machine.Configuration) -> Void = { _ in }) -> Machine {
        var configuration = Machine.Configuration(mode: .fast)
        configuration.timeout = .seconds(60)
        configuration.packetTimeout = .seconds(5)
        edit(&configuration)
        var machine = Machine(configuration: configuration)
        _ = machine.start(now: t0)
        return machine
    }

    static func raw() -> Machine {
        var machine = Machine(configuration: Machine.Configuration(mode: .raw(key: ByteBuffer(string: "listener"))))
        _ = machine.start(now: t0)
        return machine
    }

    /// A fast machine connected with `bytes` as its first read.
    static func relaying(_ bytes: ByteBuffer = request(), modifier1: UInt8 = 0) -> Machine {
        var m = fast()
        _ = m.clientRead(bytes)
        _ = m.routed(.node(modifier1: modifier1, modifier2: 0))
        _ = m.upstreamConnected(writable: true)
        return m
    }

    static let stateNames = ["sniffing", "routing", "connecting", "relaying", "closed"]

    static func machine(in name: String) -> Machine {
        var m = fast()
        switch name {
        case "sniffing": break
        case "routing": _ = m.clientRead(request())
        case "connecting":
            _ = m.clientRead(request())
            _ = m.routed(.node(modifier1: 0, modifier2: 0))
        case "relaying": m = relaying()
        default: _ = m.clientRead(ByteBuffer(bytes: [0, 5, 0, 0, 0, 0, 1, 0, 65]))
        }
        return m
    }

    static func name(_ state: Machine.State) -> String {
        switch state {
        case .sniffing: "sniffing"
        case .buffering: "buffering"
        case .routing: "routing"
        case .connecting: "connecting"
        case .relaying: "relaying"
        case .closed: "closed"
        }
    }
}

@Suite("Stream connection state machine: keys and routing")
struct StreamConnectionStateMachineRoutingTests {
    typealias S = StreamMachineSupport

    @Test("a fast router waits for its packet under the packet deadline")
    func fastStart() {
        var m = StreamConnectionStateMachine(configuration: {
            var c = StreamConnectionStateMachine.Configuration(mode: .fast)
            c.packetTimeout = .seconds(5)
            return c
        }())
        #expect(m.start(now: S.t0) == .armTimer(S.t0 + .seconds(5)))
        #expect(m.state == .sniffing)
    }

    @Test("the packet deadline is never longer than the timeout")
    func packetDeadlineCapped() {
        var m = StreamConnectionStateMachine(configuration: {
            var c = StreamConnectionStateMachine.Configuration(mode: .fast)
            c.timeout = .seconds(3)
            c.packetTimeout = .seconds(5)
            return c
        }())
        #expect(m.start(now: S.t0) == .armTimer(S.t0 + .seconds(3)))
    }

    @Test("a raw router routes by the listener's name on accept")
    func rawStart() {
        var m = StreamConnectionStateMachine(configuration: .init(mode: .raw(key: ByteBuffer(string: "listener"))))
        #expect(m.start(now: S.t0) == .route(key: ByteBuffer(string: "listener"), armTimer: S.t0 + .seconds(60)))
        #expect(S.name(m.state) == "routing")
        #expect(m.routed(.node(modifier1: 9, modifier2: 9)) == .connect(firstBytes: ByteBuffer()))
    }

    @Test("a fast router routes by UWSGI_FASTROUTER_KEY")
    func fastKey() {
        var m = S.fast()
        #expect(m.clientRead(S.request()) == .route(key: ByteBuffer(string: "app.key"), armTimer: nil))
    }

    @Test("with --subscription-mountpoints N the fast router's key gets PATH_INFO's first N segments")
    func fastMountpointKey() {
        var one = S.fast { $0.mountpoints = 1 }
        #expect(one.clientRead(S.packet([("HTTP_HOST", "host.key"), ("PATH_INFO", "/api/v1/x")])) == .route(key: ByteBuffer(string: "host.key/api"), armTimer: nil))
        var two = S.fast { $0.mountpoints = 2 }
        #expect(two.clientRead(S.packet([("HTTP_HOST", "host.key"), ("PATH_INFO", "/api/v1/x")])) == .route(key: ByteBuffer(string: "host.key/api/v1"), armTimer: nil))
        var none = S.fast { $0.mountpoints = 1 }
        #expect(none.clientRead(S.packet([("HTTP_HOST", "host.key")])) == .route(key: ByteBuffer(string: "host.key"), armTimer: nil))
    }

    @Test("without a forced key the fast router routes by HTTP_HOST")
    func fastHostKey() {
        var m = S.fast()
        #expect(m.clientRead(S.packet([("HTTP_HOST", "host.key")])) == .route(key: ByteBuffer(string: "host.key"), armTimer: nil))
    }

    @Test("a packet split at every byte routes only when it is complete")
    func packetSplitAtEveryByte() {
        var m = S.fast()
        let bytes = Array(S.request().readableBytesView)
        for (i, byte) in bytes.enumerated() {
            let action = m.clientRead(ByteBuffer(bytes: [byte]))
            if i == bytes.count - 1 {
                #expect(action == .route(key: ByteBuffer(string: "app.key"), armTimer: nil))
            } else {
                #expect(action == .none, "byte \(i)")
            }
        }
    }

    @Test("a broken packet closes without a route", arguments: [
        [0, 5, 0, 0, 0, 0, 1, 0, 65] as [UInt8],
        [0, 4, 0, 0, 9, 0, 65, 66] as [UInt8],
    ])
    func invalidPacket(bytes: [UInt8]) {
        var m = S.fast()
        guard case .close(.invalidPacket) = m.clientRead(ByteBuffer(bytes: bytes)) else {
            Issue.record("expected a close")
            return
        }
        #expect(m.state == .closed)
    }

    @Test("an invalid CONTENT_LENGTH closes")
    func invalidContentLength() {
        var m = S.fast()
        guard case .close(.invalidPacket) = m.clientRead(S.packet([("CONTENT_LENGTH", "12x")])) else {
            Issue.record("expected a close")
            return
        }
    }

    @Test("a var block over the limit closes")
    func varBlockTooLarge() {
        var m = S.fast { $0.maxVarBlock = 16 }
        guard case .close(.invalidPacket) = m.clientRead(S.request()) else {
            Issue.record("expected a close")
            return
        }
    }

    @Test("the node's modifiers replace bytes 0 and 3 of the client's packet")
    func modifiersRewritten() {
        var m = S.fast()
        _ = m.clientRead(S.request(modifier1: 101, modifier2: 7))
        #expect(m.routed(.node(modifier1: 5, modifier2: 6)) == .connect(firstBytes: S.request(modifier1: 5, modifier2: 6)))
    }

    @Test("the whole first read (packet and body) is the first write")
    func bodyWithPacket() {
        var m = S.fast()
        var bytes = S.request(method: "POST", body: 4)
        bytes.writeString("body")
        _ = m.clientRead(bytes)
        #expect(m.routed(.node(modifier1: 0, modifier2: 0)) == .connect(firstBytes: bytes))
    }

    @Test("a refusal closes the client", arguments: [RouteRefusal.noKey, .noNode, .cheap, .retriesExhausted])
    func refused(reason: RouteRefusal) {
        var m = S.fast()
        _ = m.clientRead(S.request())
        #expect(m.routed(.refused(reason)) == .close(.refused(reason, key: ByteBuffer(string: "app.key"))))
        #expect(m.state == .closed)
    }

    @Test("a raw router refusal closes the client")
    func rawRefused() {
        var m = S.raw()
        #expect(m.routed(.refused(.noNode)) == .close(.refused(.noNode, key: ByteBuffer(string: "listener"))))
    }

    @Test("the retry rule follows the method and the announced size", arguments: [
        ("GET", 0, true), ("PUT", 1000, true), ("DELETE", 0, true), ("POST", 0, false), ("GET", 70_000, false),
    ])
    func retryEligibility(method: String, body: Int, eligible: Bool) {
        var m = S.fast()
        _ = m.clientRead(S.request(method: method, body: body))
        #expect(m.relay?.retry.isKeeping == eligible)
    }

    @Test("a raw relay is never retried")
    func rawNeverRetried() {
        let m = S.raw()
        #expect(m.relay?.retry.isKeeping == false)
    }

    @Test("a route answer outside routing is ignored", arguments: ["sniffing", "relaying", "closed"])
    func strayRoute(state: String) {
        var m = S.machine(in: state)
        #expect(m.routed(.node(modifier1: 0, modifier2: 0)) == .none)
    }
}

@Suite("Stream connection state machine: relaying")
struct StreamConnectionStateMachineRelayTests {
    typealias S = StreamMachineSupport

    @Test("connected relays both ways")
    func relayBothWays() {
        var m = S.fast()
        _ = m.clientRead(S.request())
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        #expect(m.upstreamConnected(writable: true) == .connected(write: nil, shutdownNodeOutput: false, resumeClientReads: false))
        #expect(m.clientRead(ByteBuffer(string: "more")) == .writeToNode(ByteBuffer(string: "more")))
        #expect(m.clientReadComplete() == .flushNode)
        #expect(m.upstreamRead(ByteBuffer(string: "reply")) == .writeToClient(ByteBuffer(string: "reply")))
        #expect(m.upstreamReadComplete() == .flushClient)
        #expect(m.bytesToNode == UInt64(S.request().readableBytes + 4))
        #expect(m.bytesFromNode == 5)
    }

    @Test("bytes read while connecting are written on connect")
    func bytesWhileConnecting() {
        var m = S.machine(in: "connecting")
        #expect(m.clientRead(ByteBuffer(string: "early")) == .none)
        #expect(m.upstreamConnected(writable: true) == .connected(write: ByteBuffer(string: "early"), shutdownNodeOutput: false, resumeClientReads: false))
    }

    @Test("a raw relay split at every byte reaches the node byte for byte")
    func rawSplitAtEveryByte() {
        var m = S.raw()
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        _ = m.upstreamConnected(writable: true)
        for byte in "raw bytes".utf8 {
            #expect(m.clientRead(ByteBuffer(bytes: [byte])) == .writeToNode(ByteBuffer(bytes: [byte])))
        }
    }

    @Test("bytes piling up while connecting pause reads; connect resumes them")
    func pendingPauses() {
        var m = S.machine(in: "connecting")
        #expect(m.clientRead(ByteBuffer(repeating: 1, count: 65_535)) == .none)
        #expect(m.clientRead(ByteBuffer(repeating: 1, count: 1)) == .pauseClientReads)
        #expect(m.clientRead(ByteBuffer(repeating: 1, count: 1)) == .none)
        guard case .connected(let write, _, let resume) = m.upstreamConnected(writable: true) else {
            Issue.record("expected connected")
            return
        }
        #expect(write?.readableBytes == 65_537)
        #expect(resume)
    }

    @Test("a full node pauses client reads; writable again resumes them")
    func nodeBackpressure() {
        var m = S.relaying()
        #expect(m.upstreamWritabilityChanged(false) == .pauseClientReads)
        #expect(m.upstreamWritabilityChanged(false) == .none)
        #expect(m.upstreamWritabilityChanged(true) == .resumeClientReads)
        #expect(m.upstreamWritabilityChanged(true) == .none)
    }

    @Test("a node connected but not writable leaves reads paused")
    func connectedNotWritable() {
        var m = S.machine(in: "connecting")
        _ = m.clientRead(ByteBuffer(repeating: 1, count: 70_000))
        guard case .connected(_, _, let resume) = m.upstreamConnected(writable: false) else {
            Issue.record("expected connected")
            return
        }
        #expect(!resume)
        #expect(m.isPausingClientReads)
    }

    @Test("a full client pauses the node's reads", arguments: [true, false])
    func clientBackpressure(writable: Bool) {
        let m = S.relaying()
        #expect(m.clientWritabilityChanged(writable) == .setNodeReading(writable))
    }

    @Test("client writability means nothing without a node", arguments: ["sniffing", "routing", "connecting", "closed"])
    func clientWritabilityWithoutNode(state: String) {
        let m = S.machine(in: state)
        #expect(m.clientWritabilityChanged(false) == .none)
    }

    @Test("node writability means nothing before relaying", arguments: ["sniffing", "routing", "connecting", "closed"])
    func nodeWritabilityBeforeRelay(state: String) {
        var m = S.machine(in: state)
        #expect(m.upstreamWritabilityChanged(false) == .none)
    }

    @Test("the client's read burst flushes the node only while relaying", arguments: S.stateNames)
    func readComplete(state: String) {
        let m = S.machine(in: state)
        #expect(m.clientReadComplete() == (state == "relaying" ? .flushNode : .none))
    }

    @Test("node bytes before relaying are ignored", arguments: ["sniffing", "routing", "connecting", "closed"])
    func strayNodeBytes(state: String) {
        var m = S.machine(in: state)
        #expect(m.upstreamRead(ByteBuffer(string: "x")) == .none)
        #expect(m.upstreamClosed() == .none)
        #expect(m.upstreamInputClosed() == .none)
    }

    @Test("the node closing ends the client after a flush")
    func nodeClosed() {
        var m = S.relaying()
        _ = m.upstreamRead(ByteBuffer(string: "reply"))
        #expect(m.upstreamClosed() == .closeAfterFlush)
        #expect(m.state == .closed)
    }

    @Test("a raw node closing before any byte is not retried")
    func rawNodeClosedEarly() {
        var m = S.raw()
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        _ = m.upstreamConnected(writable: true)
        #expect(m.upstreamClosed() == .closeAfterFlush)
    }
}

@Suite("Stream connection state machine: half-close, retries, deadlines and stops")
struct StreamConnectionStateMachineLifecycleTests {
    typealias S = StreamMachineSupport

    @Test("a client half-close is passed to the node")
    func clientHalfClose() {
        var m = S.relaying()
        _ = m.upstreamRead(ByteBuffer(string: "r"))
        #expect(m.clientInputClosed() == .shutdownNodeOutput)
        #expect(m.upstreamRead(ByteBuffer(string: "eply")) == .writeToClient(ByteBuffer(string: "eply")))
        #expect(m.upstreamInputClosed() == .finishBoth(within: .seconds(60)))
        #expect(m.state == .closed)
        #expect(m.clientClosed() == .none, "the node is finished, not dropped, when the client goes")
    }

    @Test("a node half-close is passed to the client; the client's then ends both")
    func nodeHalfCloseFirst() {
        var m = S.relaying()
        _ = m.upstreamRead(ByteBuffer(string: "r"))
        #expect(m.upstreamInputClosed() == .shutdownClientOutput)
        #expect(m.clientRead(ByteBuffer(string: "late")) == .writeToNode(ByteBuffer(string: "late")))
        #expect(m.clientInputClosed() == .finishBoth(within: .seconds(60)))
        #expect(m.state == .closed)
        #expect(m.clientClosed() == .none)
        #expect(m.upstreamClosed() == .none)
    }

    @Test("a client closing after the node's end finishes the node: what the client sent still reaches it")
    func clientClosesAfterNodeEnd() {
        var m = S.relaying()
        _ = m.upstreamRead(ByteBuffer(string: "r"))
        #expect(m.upstreamInputClosed() == .shutdownClientOutput)
        #expect(m.clientRead(ByteBuffer(string: "late")) == .writeToNode(ByteBuffer(string: "late")))
        #expect(m.clientClosed() == .finishNode(within: .seconds(60)))
        #expect(m.state == .closed)
    }

    @Test("a client closing while the node still sends drops the node")
    func clientClosesWhileNodeSends() {
        var m = S.relaying()
        _ = m.upstreamRead(ByteBuffer(string: "r"))
        #expect(m.clientClosed() == .closeNode)
        #expect(m.state == .closed)
    }

    @Test("a client half-close while connecting is passed on at connect", arguments: ["routing", "connecting"])
    func halfCloseWhileConnecting(state: String) {
        var m = S.machine(in: state)
        #expect(m.clientInputClosed() == .none)
        if state == "routing" { _ = m.routed(.node(modifier1: 0, modifier2: 0)) }
        #expect(m.upstreamConnected(writable: true) == .connected(write: nil, shutdownNodeOutput: true, resumeClientReads: false))
    }

    @Test("a client half-closing before its packet is complete is closed")
    func halfCloseSniffing() {
        var m = S.fast()
        _ = m.clientRead(ByteBuffer(bytes: [0, 10]))
        #expect(m.clientInputClosed() == .close(.clientLeftBeforePacket))
    }

    @Test("a client half-close in every state", arguments: S.stateNames)
    func halfCloseEveryState(state: String) {
        var m = S.machine(in: state)
        let action = m.clientInputClosed()
        switch state {
        case "sniffing": #expect(action == .close(.clientLeftBeforePacket))
        case "relaying": #expect(action == .shutdownNodeOutput)
        default: #expect(action == .none)
        }
    }

    @Test("the client going away closes the node link where there is one", arguments: S.stateNames)
    func clientClosedEveryState(state: String) {
        var m = S.machine(in: state)
        #expect(m.clientClosed() == (state == "relaying" ? .closeNode : .none))
        #expect(m.state == .closed)
    }

    @Test("a connect failure asks for the next node with the same packet")
    func connectFailed() {
        var m = S.machine(in: "connecting")
        #expect(m.upstreamConnectFailed() == .retryOnNextNode(.connectFailed))
        #expect(m.routed(.node(modifier1: 3, modifier2: 0)) == .connect(firstBytes: S.request(modifier1: 3)))
    }

    @Test("a refusal after connect failures closes the client", arguments: [RouteRefusal.noNode, .retriesExhausted])
    func connectFailedRefused(reason: RouteRefusal) {
        var m = S.machine(in: "connecting")
        _ = m.upstreamConnectFailed()
        #expect(m.routed(.refused(reason)) == .close(.retriesFailed(reason)))
    }

    @Test("a connect failure or success after the client left", arguments: [true, false])
    func connectAfterClientLeft(failed: Bool) {
        var m = S.machine(in: "connecting")
        _ = m.clientClosed()
        #expect((failed ? m.upstreamConnectFailed() : m.upstreamConnected(writable: true)) == (failed ? .abandonAttempt : .closeNode))
    }

    @Test("an unanswered fast request is retried on close or half-close", arguments: [true, false])
    func unansweredRetried(halfClose: Bool) {
        var m = S.relaying()
        let action = halfClose ? m.upstreamInputClosed() : m.upstreamClosed()
        #expect(action == .retryOnNextNode(.closedBeforeResponse))
        #expect(S.name(m.state) == "connecting")
        #expect(m.routed(.node(modifier1: 2, modifier2: 0)) == .connect(firstBytes: S.request(modifier1: 2)))
        #expect(m.upstreamConnected(writable: true) == .connected(write: nil, shutdownNodeOutput: false, resumeClientReads: false))
        #expect(m.bytesToNode == UInt64(S.request().readableBytes))
    }

    @Test("an unanswered request with its body is retried whole")
    func unansweredWithBody() {
        var first = S.request(method: "PUT", body: 6)
        first.writeString("abc")
        var m = S.relaying(first)
        _ = m.clientRead(ByteBuffer(string: "def"))
        #expect(m.upstreamClosed() == .retryOnNextNode(.closedBeforeResponse))
        var whole = first
        whole.writeString("def")
        #expect(m.routed(.node(modifier1: 0, modifier2: 0)) == .connect(firstBytes: whole))
        _ = m.upstreamConnected(writable: true)
        // Kept again for a further retry.
        #expect(m.upstreamClosed() == .retryOnNextNode(.closedBeforeResponse))
    }

    @Test("requests that are not retried", arguments: ["POST", "partial", "more", "answered"])
    func notRetried(case name: String) {
        var m: StreamConnectionStateMachine
        switch name {
        case "POST":
            m = S.relaying(S.request(method: "POST"))
        case "partial":
            m = S.relaying(S.request(method: "PUT", body: 10))
        case "more":
            m = S.relaying()
            _ = m.clientRead(ByteBuffer(string: "beyond the request"))
        default:
            m = S.relaying()
            _ = m.upstreamRead(ByteBuffer(string: "r"))
        }
        #expect(m.upstreamClosed() == .closeAfterFlush)
    }

    @Test("an unanswered request the policy cannot place again closes the client")
    func unansweredRefused() {
        var m = S.relaying()
        _ = m.upstreamClosed()
        #expect(m.routed(.refused(.retriesExhausted)) == .close(.retriesFailed(.retriesExhausted)))
    }

    @Test("the packet deadline closes a client that never completes its packet")
    func packetDeadline() {
        var m = S.fast()
        _ = m.clientRead(ByteBuffer(bytes: [0, 10]))
        #expect(m.deadlineFired(now: S.t0 + .seconds(5)) == .close(.noPacket))
    }

    @Test("a deadline in an active state re-arms after activity, closes after none", arguments: ["routing", "connecting", "relaying"])
    func inactivity(state: String) {
        var m = S.machine(in: state)
        #expect(m.deadlineFired(now: S.t0 + .seconds(5)) == .armTimer(S.t0 + .seconds(65)))
        #expect(m.deadlineFired(now: S.t0 + .seconds(65)) == .close(.inactive))
    }

    @Test("node bytes count as activity")
    func nodeActivity() {
        var m = S.relaying()
        _ = m.deadlineFired(now: S.t0 + .seconds(5))
        _ = m.upstreamRead(ByteBuffer(string: "x"))
        #expect(m.deadlineFired(now: S.t0 + .seconds(65)) == .armTimer(S.t0 + .seconds(125)))
    }

    @Test("a deadline in every state", arguments: S.stateNames)
    func deadlineEveryState(state: String) {
        var m = S.machine(in: state)
        let action = m.deadlineFired(now: S.t0 + .seconds(5))
        switch state {
        case "sniffing": #expect(action == .close(.noPacket))
        case "closed": #expect(action == .none)
        default: #expect(action == .armTimer(S.t0 + .seconds(65)))
        }
    }

    @Test("a raw relay's first deadline is the timeout")
    func rawDeadline() {
        var m = S.raw()
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        _ = m.upstreamConnected(writable: true)
        #expect(m.deadlineFired(now: S.t0 + .seconds(60)) == .close(.inactive))
    }

    @Test("a stop lets relays run in every state", arguments: S.stateNames)
    func stopEveryState(state: String) {
        let m = S.machine(in: state)
        #expect(m.stopRequested() == .none)
        #expect(S.name(m.state) == state)
    }

    @Test("bytes after the close are ignored")
    func bytesAfterClose() {
        var m = S.machine(in: "closed")
        #expect(m.clientRead(ByteBuffer(string: "x")) == .none)
        #expect(m.clientInputClosed() == .none)
    }
}
