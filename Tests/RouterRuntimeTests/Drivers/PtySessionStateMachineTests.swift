import NIOCore
import RouterWire
import Testing
@testable import RouterRuntime

@Suite("forkpty session state machine")
struct PtySessionStateMachineTests {
    typealias Machine = PtySessionStateMachine
    static let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)

    static func configuration(framed: Bool = true) -> Machine.Configuration {
        var configuration = Machine.Configuration(framed: framed, rows: 24, columns: 80)
        configuration.timeout = .seconds(60)
        configuration.hangupGrace = .seconds(3)
        configuration.reapInterval = .milliseconds(2)
        configuration.reapIntervalMaximum = .milliseconds(8)
        configuration.runningReapInterval = .seconds(1)
        return configuration
    }

    /// A machine whose child (pid 42) runs on an attached pty.
    static func running(framed: Bool = true) -> Machine {
        var machine = Machine(configuration: configuration(framed: framed))
        _ = machine.start(now: t0)
        _ = machine.spawned(pid: 42)
        _ = machine.ptyAttached()
        return machine
    }

    @Test("start pauses client reads, spawns at the configured size and arms the idle deadline; a second start does nothing")
    func start() {
        var machine = Machine(configuration: Self.configuration())
        #expect(machine.start(now: Self.t0) == [.pauseClientReads, .spawn(rows: 24, columns: 80), .armDeadline(Self.t0 + .seconds(60))])
        #expect(machine.start(now: Self.t0).isEmpty)
    }

    @Test("a spawned child attaches the pty and starts the slow reap poll; attaching resumes client reads")
    func spawnedAndAttached() {
        var machine = Machine(configuration: Self.configuration())
        _ = machine.start(now: Self.t0)
        #expect(machine.spawned(pid: 42) == [.attachPty, .checkChild(after: .seconds(1))])
        #expect(machine.childPid == 42)
        #expect(machine.clientInput(ByteBuffer(string: "early"), now: Self.t0).isEmpty, "no input before the pty is attached")
        #expect(machine.ptyAttached() == [.resumeClientReads])
        #expect(machine.ptyAttached().isEmpty)
    }

    @Test("a child that cannot start gets an error line and a close; the session finishes when the client is gone")
    func spawnFailed() {
        var machine = Machine(configuration: Self.configuration())
        _ = machine.start(now: Self.t0)
        let actions = machine.spawnFailed("cannot run /nonexistent: No such file or directory")
        #expect(actions == [.log("forkpty: cannot run /nonexistent: No such file or directory"),
                            .refuse("fleetrouter: cannot run /nonexistent: No such file or directory\r\n")])
        #expect(machine.clientClosed(now: Self.t0) == [.finished])
        #expect(machine.clientClosed(now: Self.t0).isEmpty)
    }

    @Test("input frames and raw bytes go to the pty; a read batch flushes it")
    func input() {
        var framed = Self.running()
        #expect(framed.clientFrame(.input(ByteBuffer(string: "ls\n")), now: Self.t0) == [.writeToPty(ByteBuffer(string: "ls\n"))])
        #expect(framed.clientReadComplete() == [.flushPty])
        var raw = Self.running(framed: false)
        #expect(raw.clientInput(ByteBuffer(string: "x"), now: Self.t0) == [.writeToPty(ByteBuffer(string: "x"))])
    }

    @Test("rows and cols frames resize at once, keeping the other side")
    func resize() {
        var machine = Self.running()
        #expect(machine.clientFrame(.rows(50), now: Self.t0) == [.resize(rows: 50, columns: 80)])
        #expect(machine.clientFrame(.columns(132), now: Self.t0) == [.resize(rows: 50, columns: 132)])
        #expect(machine.windowSize == (50, 132))
    }

    @Test("rows or cols of 0 or 65535 are refused with a log line and the window stays", arguments: [UInt16(0), 65535])
    func badWindowSide(value: UInt16) {
        var machine = Self.running()
        #expect(machine.clientFrame(.rows(value), now: Self.t0) == [.log("forkpty: rows \(value) refused (expected 1-65534); window stays 24x80")])
        #expect(machine.clientFrame(.columns(value), now: Self.t0) == [.log("forkpty: cols \(value) refused (expected 1-65534); window stays 24x80")])
        #expect(machine.windowSize == (24, 80))
    }

    @Test("signal frames 1-31 are sent; any other modifier2 is logged and dropped", arguments: [UInt8(1), 2, 9, 31, 32, 99, 102, 255])
    func signals(number: UInt8) {
        var machine = Self.running()
        let actions = machine.clientFrame(.signal(number), now: Self.t0)
        if (1...31).contains(number) {
            #expect(actions == [.signal(Int32(number))])
        } else {
            #expect(actions == [.log("forkpty: modifier2 \(number) is neither input, rows, cols nor a signal 1-31; dropped")])
        }
    }

    @Test("pty output goes to the client, a batch flushes it")
    func output() {
        var machine = Self.running()
        #expect(machine.ptyOutput(ByteBuffer(string: "$ "), now: Self.t0) == [.writeToClient(ByteBuffer(string: "$ "))])
        #expect(machine.ptyReadComplete() == [.flushClient])
    }

    @Test("backpressure: a slow client pauses pty reads, a full pty pauses client reads, both resume")
    func backpressure() {
        var machine = Self.running()
        #expect(machine.clientWritabilityChanged(false) == [.pausePtyReads])
        #expect(machine.clientWritabilityChanged(true) == [.resumePtyReads])
        #expect(machine.ptyWritabilityChanged(false) == [.pauseClientReads])
        #expect(machine.ptyWritabilityChanged(true) == [.resumeClientReads])
    }

    @Test("the child side closing closes the client after its output, then the child is reaped")
    func ptyClosedFirst() {
        var machine = Self.running()
        #expect(machine.ptyClosed(now: Self.t0) == [.closeClientAfterFlush, .checkChild(after: .milliseconds(2))])
        #expect(machine.ptyOutput(ByteBuffer(string: "late"), now: Self.t0) == [.writeToClient(ByteBuffer(string: "late"))],
                "output read before the close still reaches the client")
        #expect(machine.clientClosed(now: Self.t0).isEmpty, "the child is not reaped yet")
        #expect(machine.childChecked(exited: true, now: Self.t0) == [.finished])
        #expect(machine.childPid == nil)
    }

    @Test("the client closing closes the pty and hangs up the child; the session finishes once both are gone")
    func clientClosedFirst() {
        var machine = Self.running()
        #expect(machine.clientClosed(now: Self.t0) == [.closePty, .hangUpChild, .checkChild(after: .milliseconds(2))])
        #expect(machine.ptyOutput(ByteBuffer(string: "x"), now: Self.t0).isEmpty)
        #expect(machine.childChecked(exited: true, now: Self.t0).isEmpty, "the pty is still open")
        #expect(machine.ptyClosed(now: Self.t0) == [.finished])
    }

    @Test("a hung-up child is polled with a growing interval and killed once past the grace, then reaped")
    func hangupEscalation() {
        var machine = Self.running()
        _ = machine.clientClosed(now: Self.t0)
        _ = machine.ptyClosed(now: Self.t0)
        #expect(machine.childChecked(exited: false, now: Self.t0 + .milliseconds(2)) == [.checkChild(after: .milliseconds(4))])
        #expect(machine.childChecked(exited: false, now: Self.t0 + .milliseconds(6)) == [.checkChild(after: .milliseconds(8))])
        #expect(machine.childChecked(exited: false, now: Self.t0 + .seconds(3)) == [
            .log("forkpty: child 42 still running 3000 ms after hangup; SIGKILL"), .killChild, .checkChild(after: .milliseconds(8))])
        #expect(machine.childChecked(exited: false, now: Self.t0 + .seconds(4)) == [.checkChild(after: .milliseconds(8))], "killed once")
        #expect(machine.childChecked(exited: true, now: Self.t0 + .seconds(4)) == [.finished])
    }

    @Test("a child reaped while a grandchild keeps the pty open: the session goes on until the pty closes")
    func childExitsFirst() {
        var machine = Self.running()
        #expect(machine.childChecked(exited: false, now: Self.t0) == [.checkChild(after: .seconds(1))])
        #expect(machine.childChecked(exited: true, now: Self.t0).isEmpty)
        #expect(machine.clientFrame(.signal(2), now: Self.t0) == [.signal(2)])
        #expect(machine.ptyClosed(now: Self.t0) == [.closeClientAfterFlush])
        #expect(machine.clientClosed(now: Self.t0) == [.finished])
    }

    @Test("the client closing while the pty attaches: the attached pty is closed at once")
    func clientClosedWhileAttaching() {
        var machine = Machine(configuration: Self.configuration())
        _ = machine.start(now: Self.t0)
        _ = machine.spawned(pid: 7)
        #expect(machine.clientClosed(now: Self.t0) == [.closePty, .hangUpChild, .checkChild(after: .milliseconds(2))])
        #expect(machine.ptyAttached() == [.closePty])
    }

    @Test("idle: the deadline re-arms after activity and closes the client once idle for the timeout")
    func idleTimeout() {
        var machine = Self.running()
        _ = machine.ptyOutput(ByteBuffer(string: "x"), now: Self.t0 + .seconds(30))
        #expect(machine.deadlineFired(now: Self.t0 + .seconds(60)) == [.armDeadline(Self.t0 + .seconds(90))])
        #expect(machine.deadlineFired(now: Self.t0 + .seconds(90)) == [.log("forkpty: session idle for 60 s; closing"), .closeClient])
        #expect(machine.closeRequested().isEmpty, "already closing")
    }

    @Test("a kick or router stop closes the client once")
    func kick() {
        var machine = Self.running()
        #expect(machine.closeRequested() == [.closeClient])
        #expect(machine.closeRequested().isEmpty)
        #expect(machine.clientInput(ByteBuffer(string: "x"), now: Self.t0).isEmpty)
    }

    @Test("undecodable framed input closes the client")
    func protocolError() {
        var machine = Self.running()
        #expect(machine.clientProtocolError("too long") == [.log("forkpty: bad framed input: too long; closing the client"), .closeClient])
        #expect(machine.clientProtocolError("again").isEmpty)
    }

    @Test("configured commands: with a space through /bin/sh -c, otherwise the program itself")
    func arguments() {
        #expect(PseudoTerminal.arguments(for: "/bin/sh") == ["/bin/sh"])
        #expect(PseudoTerminal.arguments(for: "/bin/bash -l") == ["/bin/sh", "-c", "/bin/bash -l"])
    }
}
