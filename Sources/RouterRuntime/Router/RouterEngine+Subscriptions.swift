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
        try receive(batch: [datagram])[0].get()
    }

    /// Takes one read's datagrams as `receive(_:)` takes each, in order: the trust checks and
    /// decoding per datagram outside the lock, then the packets that passed applied with each
    /// replica's lock taken once for the batch, then the events published together (cheap mode
    /// settled once). A node address is parsed (outside the lock) only when the
    /// routing state does not hold its endpoint yet: a refresh of a known node costs no parse.
    public func receive(batch datagrams: [SubscriptionDatagram]) -> [Result<Void, any Error>] {
        var outcomes = [Result<Void, any Error>](repeating: .success(()), count: datagrams.count)
        var admitted: [AdmittedPacket] = []
        admitted.reserveCapacity(datagrams.count)
        for (index, datagram) in datagrams.enumerated() {
            do { admitted.append(try admit(datagram, at: index)) } catch { outcomes[index] = .failure(error) }
        }
        guard !admitted.isEmpty else { return outcomes }
        // Every worker's replica takes the packets; worker 0's verdicts and events stand.
        let verdicts = everyReplica(each: admitted) { core, item throws(RouterCoreError) -> Applied in
            let events = try core.state.apply(item.packet, requireStamp: item.signed)
            guard case .subscribe = item.packet.command else { return Applied(events: events, needsEndpoint: false) }
            return Applied(events: events, needsEndpoint: core.endpoints[item.packet.address] == nil)
        }
        var newAddresses: [String] = []
        for (item, verdict) in zip(admitted, verdicts) {
            if case .success(let applied) = verdict, applied.needsEndpoint { newAddresses.append(item.packet.address) }
        }
        keepEndpoints(of: newAddresses)
        let kind = kindAttachment
        var unpublished: [RouterEvent] = []
        for (item, verdict) in zip(admitted, verdicts) {
            let events: [RouterEvent]
            switch verdict {
            case .failure(let error):
                outcomes[item.index] = .failure(Self.refusal(error))
                continue
            case .success(let applied):
                events = applied.events
            }
            let packet = item.packet
            if let kind, events.contains(where: { if case .slotCreated = $0 { true } else { false } }) {
                // The kind hears of slots in order: the removals among the events before are
                // published first.
                publish(unpublished)
                unpublished.removeAll(keepingCapacity: true)
                for case .slotCreated(let key, _) in events { kind.slotChanged(.created(key: key, packet: packet)) }
            }
            unpublished += events
            if let notify = packet.notify, !notify.isEmpty {
                for case .nodeAdded(let key, let address) in events { acknowledge(key: key, address: address, to: notify) }
            }
            resubscriber?.forward(packet)
        }
        publish(unpublished, settlingCheap: true)
        return outcomes
    }

    /// Parses the addresses of nodes new to the routing state, outside the lock, and keeps their
    /// endpoints in every replica; a host name is queued for resolution off the data plane
    /// instead (`NodeResolver.prepare`).
    private func keepEndpoints(of addresses: [String]) {
        let endpoints = addresses.compactMap { resolver.prepare($0) }
        guard !endpoints.isEmpty else { return }
        _ = everyReplica(each: endpoints) { core, endpoint in core.endpoints.insert(endpoint) }
    }

    /// What applying one packet did to worker 0's replica.
    struct Applied {
        /// The events to publish.
        var events: [RouterEvent]
        /// A subscribe for an address whose endpoint the replica does not hold yet.
        var needsEndpoint: Bool
    }

    /// A datagram that passed the sender, decoding and trust checks, waiting for the table.
    struct AdmittedPacket {
        /// Its position in the batch.
        var index: Int
        /// The decoded packet.
        var packet: SubscriptionPacket
        /// Verified as signed, so the table must see its `unix` stamp as new for the node.
        var signed: Bool
    }

    /// Runs the checks that need no table: sender, decoding, trust.
    private func admit(_ datagram: SubscriptionDatagram, at index: Int) throws -> AdmittedPacket {
        try trust.checkSender(datagram)
        let packet = try SubscriptionPacket(decoding: datagram.bytes)
        let signed = try trust.check(packet, datagram: datagram)
        return AdmittedPacket(index: index, packet: packet, signed: signed)
    }

    /// RouterCore's refusal as the server counts it: a limit or a replay is a counted drop.
    private static func refusal(_ error: RouterCoreError) -> any Error {
        switch error {
        case .keyLimitReached: return SubscriptionDropped(.keyLimit, error.description)
        case .nodeLimitReached: return SubscriptionDropped(.nodeLimit, error.description)
        case .replayedStamp, .missingStamp: return SubscriptionDropped(.replayed, error.description)
        default: return error
        }
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
