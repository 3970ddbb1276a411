import NIOConcurrencyHelpers
import NIOCore
import RouterConfig
import RouterWire

/// The running `--tuntap-router` lines of one router, attached to its engine: the document
/// (stats server and `GET /v1/state`) lists every line's peers and the firewall, and has no
/// listener list, sessions or cheap state, as uWSGI's tuntap stats (§3.4).
final class TuntapRouterRegistry: RouterKindAttachment {
    private let loops = NIOLockedValueBox<[TuntapRouterLoop]>([])
    private let firewall: StatsDocument.TuntapFirewall

    init(firewallIn: [TuntapFirewallRule], firewallOut: [TuntapFirewallRule], routes: [TuntapRoute]) {
        firewall = .init(
            inbound: firewallIn.map(\.description), outbound: firewallOut.map(\.description),
            routes: routes.map(\.description))
    }

    /// Lists a started line.
    func add(_ loop: TuntapRouterLoop) {
        loops.withLockedValue { $0.append(loop) }
    }

    /// Every line's peers, the firewall, and no corerouter keys.
    func amend(_ document: inout StatsDocument) {
        Self.shape(&document, peers: loops.withLockedValue { $0 }.flatMap(Self.peers(of:)), firewall: firewall)
    }

    /// Peers are not sessions: nothing to kick.
    func kickSession(pid: UInt64) -> Bool { false }

    /// Makes `document` a tuntap document listing `peers`.
    static func shape(_ document: inout StatsDocument, peers: [StatsDocument.TuntapPeer], firewall: StatsDocument.TuntapFirewall?) {
        document.listeners = nil
        document.cheap = nil
        document.cheapMode = nil
        document.activeSessions = nil
        document.sessions = nil
        document.staticNodes = nil
        document.subscriptions = nil
        document.subscriptionDrops = nil
        document.peers = peers
        if let firewall { document.tuntapFirewall = firewall }
    }

    /// The stats entries of one line's peers, oldest first; a peer still without an address
    /// shows as `0.0.0.0`.
    static func peers(of loop: TuntapRouterLoop) -> [StatsDocument.TuntapPeer] {
        loop.withMachine { machine in
            machine.peers.values.sorted { $0.order < $1.order }.map { peer in
                let address = peer.address ?? 0
                var entry = StatsDocument.TuntapPeer(
                    addr: TuntapAddressMatch.dotted(address), addr32: UInt64(address.bigEndian),
                    uid: UInt64(peer.credentials?.uid ?? 0), gid: UInt64(peer.credentials?.gid ?? 0),
                    pid: UInt64(UInt32(bitPattern: peer.credentials?.pid ?? 0)),
                    tx: peer.tx, rx: peer.rx, dropped: peer.dropped)
                entry.txPackets = peer.packetsOut
                entry.rxPackets = peer.packetsIn
                return entry
            }
        }
    }
}

/// The stats document of one `--tuntap-router` line with a stats address of its own: the
/// router's document with only that line's peers.
struct TuntapLineStats: StatsSource {
    let engine: RouterEngine
    let loop: TuntapRouterLoop

    func encodedStats() async throws -> ByteBuffer {
        var document = try await engine.statsDocument()
        document.peers = TuntapRouterRegistry.peers(of: loop)
        var buffer = ByteBuffer()
        document.encodeJSON(into: &buffer, style: .pretty)
        return buffer
    }
}
