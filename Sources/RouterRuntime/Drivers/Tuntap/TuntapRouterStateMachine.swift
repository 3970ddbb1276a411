import NIOCore
import RouterConfig
import RouterWire

/// The tuntap router's logic for one TUN device and its peers, I/O-free (§5.7): peer framing,
/// address learning, the firewall chains, per-peer rules, routes and the bounded peer write
/// queues. Its loop feeds it what the sockets and the device delivered and carries out the
/// actions it returns; nothing here blocks, so a slow peer only ever loses its own packets.
struct TuntapRouterStateMachine {
    /// A peer, by the loop's handle of its socket.
    typealias PeerID = Int32

    /// The router's settings.
    struct Configuration: Sendable {
        /// Towards peers (from the device or the gateway), first match wins, default allow.
        var firewallIn: [TuntapFirewallRule] = []
        /// From peers, first match wins, default allow.
        var firewallOut: [TuntapFirewallRule] = []
        /// `--tuntap-router-route`, consulted only with a gateway socket.
        var routes: [TuntapRoute] = []
        /// True when the router has a gateway UDP socket.
        var hasGateway = false
        /// The largest frame payload a peer may send (uWSGI's 8 KiB buffer).
        var maximumPayloadSize = TuntapFrame.maximumPayloadSize
        /// Bytes (frames with their headers) queued per peer before packets are dropped.
        var writeQueueLimit = 64 * 1024
        /// Peers at once; more are refused at accept.
        var maximumPeers = 1024
        /// Peers must send SCM_CREDENTIALS before anything else (`--tuntap-use-credentials`).
        var requiresCredentials = false
        /// How long a peer may take to send its credentials.
        var handshakeTimeout: TimeAmount = .seconds(60)
        /// How long a peer's queue may wait with no byte written before the peer is closed.
        var writeTimeout: TimeAmount = .seconds(60)
    }

    /// What the kernel vouched for about a peer process.
    struct Credentials: Sendable, Hashable {
        /// The peer's pid.
        var pid: Int32
        /// Its uid.
        var uid: UInt32
        /// Its gid.
        var gid: UInt32
    }

    /// Why a packet was dropped; each is counted.
    enum Drop: String, Sendable, CaseIterable {
        /// Shorter than an IPv4 header.
        case runt
        /// Not IPv4 (the router routes IPv4 only; IPv6 noise from a fresh device lands here).
        case notIPv4
        /// Denied by `--tuntap-router-firewall-in`.
        case firewallIn = "firewall_in"
        /// Denied by `--tuntap-router-firewall-out`.
        case firewallOut = "firewall_out"
        /// Denied, or routed inbound, by the peer's own rules.
        case peerRule = "peer_rule"
        /// A peer rule routes it, but the router has no gateway socket.
        case noGateway = "no_gateway"
        /// No peer owns the destination address.
        case noPeer = "no_peer"
        /// The destination peer's write queue was full.
        case queueFull = "queue_full"
        /// The device refused the write (it would have blocked).
        case deviceBusy = "device_busy"
    }

    /// What the loop does next.
    enum Action: Sendable, Equatable {
        /// Write one IP packet to the TUN device.
        case writeDevice(ByteBuffer)
        /// Send one IP packet from the gateway socket to `address:port` (host byte order).
        case sendGateway(ByteBuffer, address: UInt32, port: UInt16)
        /// The peer's write queue went from empty to not empty: write it.
        case flush(PeerID)
        /// Close the peer's socket; the machine has forgotten it.
        case close(PeerID, reason: String)
    }

    /// One connected peer.
    struct Peer {
        var address: UInt32?
        var credentials: Credentials?
        var rules: [TuntapRule] = []
        var inbound = ByteBuffer()
        var decoder: TuntapFrameDecoder
        var outbound = ByteBuffer()
        var tx: UInt64 = 0
        var rx: UInt64 = 0
        var packetsIn: UInt64 = 0
        var packetsOut: UInt64 = 0
        var dropped: UInt64 = 0
        let order: UInt64
        let accepted: NIODeadline
        /// When the queue was last empty or last made progress, while it holds bytes.
        var writeWaitingSince: NIODeadline?
    }

    let configuration: Configuration
    private(set) var peers: [PeerID: Peer] = [:]
    private var owners: [UInt32: PeerID] = [:]
    private var nextOrder: UInt64 = 0
    /// The time of the event being handled; the loop sets it once per wake-up.
    var now: NIODeadline = .uptimeNanoseconds(0)
    /// Packets dropped, by reason.
    private(set) var drops: [Drop: UInt64] = [:]
    /// Peers closed because a newer peer claimed their address.
    private(set) var collisions: UInt64 = 0
    /// Peers closed for bad input (a bad frame, a bad first packet, missing credentials).
    private(set) var badPeers: UInt64 = 0
    /// Peers refused at accept because the router was full.
    private(set) var refused: UInt64 = 0

    init(configuration: Configuration) {
        self.configuration = configuration
    }

    // MARK: peers

    /// A peer connected; false (counted) when the router is full and the socket must close.
    mutating func peerAccepted(_ id: PeerID) -> Bool {
        guard peers.count < configuration.maximumPeers else {
            refused &+= 1
            return false
        }
        nextOrder &+= 1
        peers[id] = Peer(decoder: TuntapFrameDecoder(maximumPayloadSize: configuration.maximumPayloadSize), order: nextOrder, accepted: now)
        return true
    }

    /// True while the peer must still send its credentials (read them with `recvmsg`).
    func awaitsCredentials(_ id: PeerID) -> Bool {
        configuration.requiresCredentials && peers[id]?.credentials == nil
    }

    /// The peer's credentials arrived, or nil when its first message carried none.
    mutating func peerCredentials(_ id: PeerID, _ credentials: Credentials?) -> [Action] {
        guard peers[id] != nil else { return [] }
        guard let credentials else { return reject(id, "sent no SCM_CREDENTIALS first") }
        peers[id]?.credentials = credentials
        return []
    }

    /// Bytes arrived from a peer: every whole frame in them is handled.
    mutating func peerRead(_ id: PeerID, _ bytes: ByteBuffer) -> [Action] {
        guard var peer = peers[id] else { return [] }
        if awaitsCredentials(id) { return reject(id, "sent data before its SCM_CREDENTIALS") }
        peer.rx &+= UInt64(bytes.readableBytes)
        var incoming = bytes
        peer.inbound.writeBuffer(&incoming)
        var frames: [TuntapFrame] = []
        do {
            while let frame = try peer.decoder.decodeFrame(buffer: &peer.inbound) { frames.append(frame) }
        } catch {
            peers[id] = peer
            return reject(id, "sent a bad frame: \(error)")
        }
        peer.inbound.discardReadBytes()
        peers[id] = peer
        var actions: [Action] = []
        for frame in frames {
            guard peers[id] != nil else { break }
            switch frame {
            case .rules(let rules): peers[id]?.rules = rules
            case .packet(let packet): actions += peerPacket(id, packet)
            }
        }
        return actions
    }

    /// The peer's socket closed (or failed): forget it and free its address.
    mutating func peerClosed(_ id: PeerID) {
        guard let peer = peers.removeValue(forKey: id) else { return }
        if let address = peer.address, owners[address] == id { owners[address] = nil }
    }

    /// The bytes waiting to be written to the peer.
    func pendingOutput(_ id: PeerID) -> ByteBuffer? {
        guard let outbound = peers[id]?.outbound, outbound.readableBytes > 0 else { return nil }
        return outbound
    }

    /// `count` bytes of the peer's queue were written; true when some remain.
    mutating func peerWrote(_ id: PeerID, count: Int) -> Bool {
        guard var peer = peers[id] else { return false }
        let written = min(count, peer.outbound.readableBytes)
        peer.outbound.moveReaderIndex(forwardBy: written)
        peer.tx &+= UInt64(written)
        if peer.outbound.readableBytes == 0 {
            peer.outbound.clear()
            peer.writeWaitingSince = nil
        } else {
            peer.outbound.discardReadBytes()
            if written > 0 { peer.writeWaitingSince = now }
        }
        peers[id] = peer
        return peer.outbound.readableBytes > 0
    }

    /// Closes the peers past a deadline: credentials not sent in time, or a write queue that
    /// made no progress for `writeTimeout` (a peer that stopped reading).
    mutating func expire() -> [Action] {
        var actions: [Action] = []
        for (id, peer) in peers.sorted(by: { $0.value.order < $1.value.order }) {
            if configuration.requiresCredentials, peer.credentials == nil, now - peer.accepted >= configuration.handshakeTimeout {
                actions += reject(id, "sent no credentials within \(configuration.handshakeTimeout.nanoseconds / 1_000_000_000) s")
            } else if let since = peer.writeWaitingSince, now - since >= configuration.writeTimeout {
                actions += reject(id, "read nothing for \(configuration.writeTimeout.nanoseconds / 1_000_000_000) s")
            }
        }
        return actions
    }

    // MARK: packets

    /// A packet read from the TUN device.
    mutating func devicePacket(_ packet: ByteBuffer) -> [Action] {
        guard let (_, destination) = addresses(of: packet) else { return [] }
        guard Self.firewall(configuration.firewallIn, packet: packet) else { return drop(.firewallIn) }
        guard let id = owners[destination], let peer = peers[id] else { return drop(.noPeer) }
        switch ruleAction(peer.rules, direction: .in, packet: packet) {
        case .some(.deny), .some(.route): return drop(.peerRule, peer: id)
        case .some(.allow), .none: return enqueue(packet, to: id)
        }
    }

    /// A datagram read from the gateway socket: like a device packet, without peer rules.
    mutating func gatewayPacket(_ packet: ByteBuffer) -> [Action] {
        guard let (_, destination) = addresses(of: packet) else { return [] }
        guard Self.firewall(configuration.firewallIn, packet: packet) else { return drop(.firewallIn) }
        guard let id = owners[destination] else { return drop(.noPeer) }
        return enqueue(packet, to: id)
    }

    /// The device refused a write (it would block): the packet is dropped and counted.
    mutating func deviceBusy() {
        drops[.deviceBusy, default: 0] &+= 1
    }

    private mutating func peerPacket(_ id: PeerID, _ packet: ByteBuffer) -> [Action] {
        peers[id]?.packetsIn &+= 1
        guard let (source, destination) = addresses(of: packet) else {
            // uWSGI closes a peer whose first packet is a runt; other protocols are only dropped.
            let runt = packet.readableBytes < 20
            return runt && peers[id]?.address == nil ? reject(id, "sent a first packet shorter than an IPv4 header") : []
        }
        guard Self.firewall(configuration.firewallOut, packet: packet) else { return drop(.firewallOut) }
        var actions: [Action] = []
        if peers[id]?.address == nil {
            guard source != 0 else { return reject(id, "sent a first packet from 0.0.0.0") }
            if let older = owners[source], older != id, peers[older] != nil {
                collisions &+= 1
                peerClosed(older)
                actions.append(.close(older, reason: "address \(TuntapAddressMatch.dotted(source)) claimed by a newer peer (ip collision)"))
            }
            peers[id]?.address = source
            owners[source] = id
        }
        guard let peer = peers[id] else { return actions }
        switch ruleAction(peer.rules, direction: .out, packet: packet) {
        case .some(.deny):
            return actions + drop(.peerRule, peer: id)
        case .some(.route(let address, let port)):
            guard configuration.hasGateway else { return actions + drop(.noGateway, peer: id) }
            return actions + [.sendGateway(packet, address: address, port: port)]
        case .some(.allow), .none:
            break
        }
        if configuration.hasGateway,
           let route = configuration.routes.first(where: { $0.source.matches(source) && $0.destination.matches(destination) }) {
            return actions + [.sendGateway(packet, address: route.target, port: route.port)]
        }
        return actions + [.writeDevice(packet)]
    }

    private mutating func enqueue(_ packet: ByteBuffer, to id: PeerID) -> [Action] {
        guard var peer = peers[id] else { return drop(.noPeer) }
        let size = UwsgiHeader.size + packet.readableBytes
        guard peer.outbound.readableBytes + size <= configuration.writeQueueLimit,
              let length = UInt16(exactly: packet.readableBytes) else {
            return drop(.queueFull, peer: id)
        }
        let wasEmpty = peer.outbound.readableBytes == 0
        peer.outbound.writeUwsgiHeader(UwsgiHeader(modifier1: 0, datasize: length, modifier2: TuntapFrame.packetModifier2))
        peer.outbound.writeImmutableBuffer(packet)
        peer.packetsOut &+= 1
        if wasEmpty { peer.writeWaitingSince = now }
        peers[id] = peer
        return wasEmpty ? [.flush(id)] : []
    }

    private mutating func drop(_ reason: Drop, peer id: PeerID? = nil) -> [Action] {
        drops[reason, default: 0] &+= 1
        if let id, reason == .queueFull { peers[id]?.dropped &+= 1 }
        return []
    }

    private mutating func reject(_ id: PeerID, _ reason: String) -> [Action] {
        badPeers &+= 1
        peerClosed(id)
        return [.close(id, reason: reason)]
    }

    /// Source and destination of an IPv4 packet (host order); nil (counted) for a runt or
    /// another protocol.
    private mutating func addresses(of packet: ByteBuffer) -> (UInt32, UInt32)? {
        guard packet.readableBytes >= 20, let version = packet.getInteger(at: packet.readerIndex, as: UInt8.self) else {
            drops[.runt, default: 0] &+= 1
            return nil
        }
        guard version >> 4 == 4,
              let source = packet.getInteger(at: packet.readerIndex + 12, endianness: .big, as: UInt32.self),
              let destination = packet.getInteger(at: packet.readerIndex + 16, endianness: .big, as: UInt32.self) else {
            drops[.notIPv4, default: 0] &+= 1
            return nil
        }
        return (source, destination)
    }

    /// True when the chain lets the packet through (first match wins, default allow).
    static func firewall(_ chain: [TuntapFirewallRule], packet: ByteBuffer) -> Bool {
        guard let source = packet.getInteger(at: packet.readerIndex + 12, endianness: .big, as: UInt32.self),
              let destination = packet.getInteger(at: packet.readerIndex + 16, endianness: .big, as: UInt32.self) else { return false }
        return chain.first { $0.matches(source: source, destination: destination) }?.allows ?? true
    }

    /// What a peer's own rules say, as uWSGI's `uwsgi_tuntap_peer_rules_check`: the first rule
    /// of the direction whose (non-zero) source and destination match.
    enum RuleVerdict: Equatable {
        case allow
        case deny
        case route(UInt32, UInt16)
    }

    private func ruleAction(_ rules: [TuntapRule], direction: TuntapRule.Direction, packet: ByteBuffer) -> RuleVerdict? {
        guard !rules.isEmpty,
              let source = packet.getInteger(at: packet.readerIndex + 12, endianness: .big, as: UInt32.self),
              let destination = packet.getInteger(at: packet.readerIndex + 16, endianness: .big, as: UInt32.self) else { return nil }
        for rule in rules where rule.direction == direction {
            if rule.source != 0 && source & rule.sourceMask != rule.source & rule.sourceMask { continue }
            if rule.destination != 0 && destination & rule.destinationMask != rule.destination & rule.destinationMask { continue }
            switch rule.action {
            case .allow: return .allow
            case .deny: return .deny
            case .route: return .route(rule.target, rule.targetPort)
            }
        }
        return nil
    }
}
