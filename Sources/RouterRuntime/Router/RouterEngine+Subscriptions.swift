import Logging
import NIOConcurrencyHelpers
import NIOCore
import RouterConfig
import RouterCore
import RouterWire
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
    ///
    /// When no check needs the decoded packet and nothing forwards it (`takesRefreshesInPlace`),
    /// a plain re-announce is not decoded at all: it is read in place (`SubscriptionRefresh`)
    /// and refreshes its node under the lock. Only when the node is new to a replica is it
    /// decoded there and applied as any other packet.
    public func receive(batch datagrams: [SubscriptionDatagram]) -> [Result<Void, any Error>] {
        var outcomes = [Result<Void, any Error>](repeating: .success(()), count: datagrams.count)
        var admitted: [AdmittedPacket] = []
        admitted.reserveCapacity(datagrams.count)
        let inPlace = takesRefreshesInPlace
        for (index, datagram) in datagrams.enumerated() {
            do { admitted.append(try admit(datagram, at: index, inPlace: inPlace)) } catch { outcomes[index] = .failure(error) }
        }
        guard !admitted.isEmpty else { return outcomes }
        // Every worker's replica takes the packets; worker 0's verdicts and events stand.
        let keepsRefreshes = wantsRefreshEvents
        let verdicts = everyReplica(each: admitted) { core, item throws -> Applied in
            try core.apply(item, bytes: datagrams[item.index].bytes, keepingRefresh: keepsRefreshes)
        }
        // Read by position, not iterated: an iterator hands out a copy of each outcome (about
        // 300 instructions a datagram through Result's value witnesses).
        var newAddresses: [String] = []
        for position in verdicts.indices {
            if case .success(let applied) = verdicts[position], let address = applied.newEndpoint { newAddresses.append(address) }
        }
        keepEndpoints(of: newAddresses)
        let kind = kindAttachment
        var unpublished: [RouterEvent] = []
        for position in admitted.indices {
            let index = admitted[position].index
            let applied: Applied
            switch verdicts[position] {
            case .failure(let error):
                outcomes[index] = .failure((error as? RouterCoreError).map(Self.refusal) ?? error)
                continue
            case .success(let success):
                applied = success
            }
            if let refreshed = applied.refreshed { unpublished.append(refreshed) }
            let events = applied.events
            guard let packet = applied.packet else {
                // A re-announce taken in place: it creates no slot and acknowledges nothing.
                unpublished += events
                continue
            }
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

    /// Whether a plain re-announce's `nodeRefreshed` event (not a revival) has anyone to hear
    /// it: the log at debug level, or an `events()` observer. Nobody, as deployed: then the
    /// event is not carried out of the lock at all.
    private var wantsRefreshEvents: Bool {
        logger.logLevel <= .debug || hasEventObservers
    }

    /// Whether plain re-announces are taken in place, undecoded: no trust check needs the
    /// decoded packet (`SubscriptionTrust.checksPackets`; the sender allow-list needs only the
    /// sender and is checked either way) and no `-resubscribe` forwards it.
    var takesRefreshesInPlace: Bool { !trust.checksPackets && resubscriber == nil }

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
        /// A re-announce's `nodeRefreshed` event, published before `events`: kept out of the
        /// array so that a refresh, the common datagram, allocates none.
        var refreshed: RouterEvent? = nil
        /// The events to publish.
        var events: [RouterEvent]
        /// The address of a subscribe whose endpoint the replica does not hold yet.
        var newEndpoint: String?
        /// The decoded packet, boxed as in `AdmittedPacket.Content`: a batch's outcomes are
        /// copied as they are read, and a re-announce taken in place has none.
        private let decoded: Decoded?

        /// A packet behind a reference.
        private indirect enum Decoded {
            case packet(SubscriptionPacket)
        }

        /// The decoded packet; nil for a re-announce taken in place.
        var packet: SubscriptionPacket? {
            guard case .packet(let packet) = decoded else { return nil }
            return packet
        }

        init(refreshed: RouterEvent? = nil, events: [RouterEvent], packet: SubscriptionPacket?, newEndpoint: String? = nil) {
            self.refreshed = refreshed
            self.events = events
            self.newEndpoint = newEndpoint
            self.decoded = packet.map(Decoded.packet)
        }
    }

    /// A datagram that passed the sender, decoding and trust checks, waiting for the table.
    struct AdmittedPacket {
        /// What the table takes.
        enum Content {
            /// A decoded packet; `signed`: verified as signed, so the table must see its `unix`
            /// stamp as new for the node. Boxed: the packet's many fields would make every copy
            /// of every admitted item (the batch is copied into each replica's pass) as large.
            indirect case decoded(SubscriptionPacket, signed: Bool)
            /// A plain re-announce read in place: ranges into the datagram's bytes, which the
            /// batch holds (so an item is plain data, cheap to copy).
            case inPlace(SubscriptionRefresh)
        }

        /// Its position in the batch.
        var index: Int
        /// The packet, decoded or read in place.
        var content: Content
    }

    /// Runs the checks that need no table: sender, decoding, trust. With `inPlace`, a plain
    /// re-announce is only scanned (the trust checks that need the packet are not configured).
    private func admit(_ datagram: SubscriptionDatagram, at index: Int, inPlace: Bool) throws -> AdmittedPacket {
        try trust.checkSender(datagram)
        if inPlace, let announce = datagram.bytes.withUnsafeReadableBytes({ SubscriptionRefresh.scan($0) }) {
            return AdmittedPacket(index: index, content: .inPlace(announce))
        }
        let packet = try SubscriptionPacket(decoding: datagram.bytes)
        let signed = try trust.check(packet, datagram: datagram)
        return AdmittedPacket(index: index, content: .decoded(packet, signed: signed))
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

extension RouterEngine.Core {
    /// Applies one admitted packet, whose datagram's bytes are `bytes`, to this replica. A
    /// re-announce read in place refreshes its node without a decode; when the node is new
    /// here, the datagram is decoded (it decodes: the scan took only what the decoder takes)
    /// and applied like any other. Its `nodeRefreshed` event is dropped here unless
    /// `keepingRefresh` or it revived the node.
    mutating func apply(_ item: RouterEngine.AdmittedPacket, bytes: ByteBuffer, keepingRefresh: Bool) throws -> RouterEngine.Applied {
        switch item.content {
        case .decoded(let packet, let signed):
            return try apply(packet, signed: signed)
        case .inPlace(let announce):
            let refreshed = bytes.withUnsafeReadableBytes { raw -> RouterEngine.Applied? in
                subscriptionKey.assign(UnsafeRawBufferPointer(rebasing: raw[announce.key]))
                let address = String(decoding: UnsafeRawBufferPointer(rebasing: raw[announce.address]), as: UTF8.self)
                let key = subscriptionKey  // a copy (a retain): `state` is changed while the key is read
                var events: [RouterEvent] = []
                guard let refreshed = state.refresh(key: key, address: address, with: announce, events: &events) else { return nil }
                let revived = if case .nodeRefreshed(_, _, revived: true) = refreshed { true } else { false }
                return RouterEngine.Applied(
                    refreshed: keepingRefresh || revived ? refreshed : nil, events: events, packet: nil,
                    newEndpoint: endpoints[address] == nil ? address : nil)
            }
            if let refreshed { return refreshed }
            return try apply(SubscriptionPacket(decoding: bytes), signed: false)
        }
    }

    private mutating func apply(_ packet: SubscriptionPacket, signed: Bool) throws(RouterCoreError) -> RouterEngine.Applied {
        let events = try state.apply(packet, requireStamp: signed)
        guard case .subscribe = packet.command else { return RouterEngine.Applied(events: events, packet: packet) }
        return RouterEngine.Applied(events: events, packet: packet, newEndpoint: endpoints[packet.address] == nil ? packet.address : nil)
    }
}

extension RouteKey {
    /// Makes this key's bytes `bytes` in place: nothing is allocated when they are the same,
    /// or when the key's storage is not shared and has room.
    mutating func assign(_ bytes: UnsafeRawBufferPointer) {
        let same = self.bytes.withUnsafeBytes { old in
            old.count == bytes.count && (old.count == 0 || memcmp(old.baseAddress!, bytes.baseAddress!, old.count) == 0)
        }
        guard !same else { return }
        self.bytes.removeAll(keepingCapacity: true)
        self.bytes.append(contentsOf: bytes)
    }
}
