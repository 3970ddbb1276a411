import Logging
import NIOConcurrencyHelpers
import NIOCore
import RouterWire

/// Applies uWSGI cache datagrams (`CacheUDPPacket`) to one cache: a set or delete per valid
/// datagram; a malformed or refused one is counted and logged at a bounded rate.
final class CacheDatagramHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    /// Datagram counts of one cache's UDP servers.
    final class Counters: Sendable {
        private let counts = NIOLockedValueBox<(applied: UInt64, rejected: UInt64)>((0, 0))
        /// Datagrams applied and rejected so far.
        var snapshot: (applied: UInt64, rejected: UInt64) { counts.withLockedValue { $0 } }
        func applied() { counts.withLockedValue { $0.applied &+= 1 } }
        func rejected() { counts.withLockedValue { $0.rejected &+= 1 } }
    }

    let store: RouteCacheStore
    let counters: Counters
    private let logger: Logger
    private let limiter = NIOLockedValueBox(LogRateLimiter())

    init(store: RouteCacheStore, counters: Counters, logger: Logger) {
        self.store = store
        self.counters = counters
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        do {
            switch try CacheUDPPacket(decoding: envelope.data) {
            case .set(let key, let value, let expires):
                try store.set(key: key, value: value, expires: expires)
            case .delete(let key):
                store.delete(key: key)
            }
            counters.applied()
        } catch {
            counters.rejected()
            if case .log(let suppressed) = limiter.withLockedValue({ $0.record(at: .now()) }) {
                logger.warning("cache datagram refused", metadata: [
                    "cache": "\(store.name)", "from": "\(envelope.remoteAddress)", "error": "\(error)",
                    "suppressed_before": "\(suppressed)"])
            }
        }
    }
}
