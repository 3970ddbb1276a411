import NIOCore

/// `--rawrouter-xclient` (§5.4), for SMTP nodes such as Postfix: once connected, the node's
/// greeting (through its first CRLF) is not forwarded; `XCLIENT ADDR=<client>` is sent in its
/// place, and from then on the relay is plain, so the node's reply to XCLIENT (a new greeting)
/// is what the client sees first. Client bytes that arrive meanwhile wait.
extension StreamConnectionStateMachine {
    /// The longest greeting line waited for (SMTP's line limit is 512 bytes with CRLF).
    static let maximumGreeting = 4096

    /// Sets the connection's client before `start(now:)`: with `--rawrouter-xclient` and an IP
    /// client, the XCLIENT line to send. uWSGI sends it for IPv4 clients only; an IPv6 client
    /// gets Postfix's `IPV6:` form instead of nothing.
    mutating func prepare(client: SocketAddress?) {
        guard configuration.xclient, let client, let address = client.ipAddress else { return }
        switch client {
        case .v4:
            xclientLine = ByteBuffer(string: "XCLIENT ADDR=\(address)\r\n")
        case .v6:
            xclientLine = ByteBuffer(string: "XCLIENT ADDR=IPV6:\(address)\r\n")
        case .unixDomainSocket:
            break
        }
    }

    /// The node accepted: relay, but wait for its greeting before anything goes to it.
    mutating func awaitGreeting(_ relay: Relay) -> Action {
        var r = relay
        r.awaitingGreeting = true
        state = .relaying(r)
        return .connected(write: nil, shutdownNodeOutput: false, resumeClientReads: false)
    }

    /// Node bytes while its greeting is read: swallowed until the first CRLF, then the XCLIENT
    /// line (and any client bytes held) goes to the node.
    mutating func readGreeting(_ bytes: ByteBuffer, _ r: inout Relay) -> Action {
        var bytes = bytes
        deadline.activity = true
        greeting.writeBuffer(&bytes)
        guard greeting.readableBytesView.contains(UInt8(ascii: "\n")) else {
            guard greeting.readableBytes <= Self.maximumGreeting else {
                state = .closed
                return .close(.greetingTooLong(limit: Self.maximumGreeting))
            }
            return .none
        }
        // What follows the first line in this read is more greeting: not forwarded either.
        greeting = ByteBuffer()
        r.awaitingGreeting = false
        var write = xclientLine ?? ByteBuffer()
        xclientLine = nil
        write.writeBuffer(&inbound)
        inbound = ByteBuffer()
        bytesToNode &+= UInt64(write.readableBytes)
        state = .relaying(r)
        let resume = clientReadsPaused
        if resume { clientReadsPaused = false }
        return .connected(write: write, shutdownNodeOutput: r.clientInputClosed, resumeClientReads: resume)
    }
}
