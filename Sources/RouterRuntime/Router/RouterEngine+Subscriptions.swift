import Logging
import NIOConcurrencyHelpers
import RouterConfig
import RouterCore
import RouterWire

extension RouterEngine: SubscriptionSink {
    /// Checks one datagram against the configured trust (sender, node address, credentials,
    /// signature), decodes it and applies it to the subscription table. A malformed packet,
    /// one the trust checks drop or one RouterCore refuses throws, so the server counts and
    /// logs it. A new node's host name is resolved here, off the data plane.
    public func receive(_ datagram: SubscriptionDatagram) throws {
        try trust.checkSender(datagram)
        let packet = try SubscriptionPacket(decoding: datagram.bytes)
        let signed = try trust.check(packet, datagram: datagram)
        let events: [RouterEvent]
        // Parsed before the lock; a host name is queued for resolution off the data plane.
        let endpoint: NodeEndpoint? = if case .subscribe = packet.command { resolver.prepare(packet.address) } else { nil }
        do throws(RouterCoreError) {
            // Every worker's replica takes the packet; worker 0's verdict and events stand.
            events = try everyReplica { core throws(RouterCoreError) -> [RouterEvent] in
                let events = try core.state.apply(packet, requireStamp: signed)
                if let endpoint { core.endpoints.insert(endpoint) }
                return events
            }
        } catch {
            switch error {
            case .keyLimitReached: throw SubscriptionDropped(.keyLimit, error.description)
            case .nodeLimitReached: throw SubscriptionDropped(.nodeLimit, error.description)
            case .replayedStamp, .missingStamp: throw SubscriptionDropped(.replayed, error.description)
            default: throw error
            }
        }
        if let kind = kindAttachment {
            for case .slotCreated(let key, _) in events { kind.slotChanged(.created(key: key, packet: packet)) }
        }
        publish(events, settlingCheap: true)
        if let notify = packet.notify, !notify.isEmpty {
            for case .nodeAdded(let key, let address) in events { acknowledge(key: key, address: address, to: notify) }
        }
        resubscriber?.forward(packet)
    }

    /// The `notify` ack of a new node (uWSGI's `uwsgi_notify_msg`): one datagram
    /// `[subscription ack] KEY => new node: ADDR` to the node's UNIX path. Only a unix path is
    /// sent to (never an address off this host); a failed send is logged and costs nothing else.
    func acknowledge(key: RouteKey, address: String, to path: String) {
        do throws(RuntimeError) {
            let destination = try SocketAddressSpec(parsing: path)
            guard case .unixPath = destination.kind else {
                throw .sendFailed(address: path, reason: "notify must name a UNIX socket path")
            }
            try SubscriptionSender(to: destination).send(Self.acknowledgement(key: key, address: address))
        } catch {
            logger.notice("subscription ack not sent", metadata: ["notify": "\(path)", "key": "\(key)", "error": "\(error)"])
        }
    }

    /// The ack datagram's bytes.
    static func acknowledgement(key: RouteKey, address: String) -> [UInt8] {
        Array("[subscription ack] ".utf8) + key.bytes + Array(" => new node: \(address)".utf8)
    }
}
