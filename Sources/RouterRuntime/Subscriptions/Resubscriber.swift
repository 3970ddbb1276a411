import Logging
import NIOConcurrencyHelpers
import NIOCore
import RouterConfig
import RouterWire

/// `--xxx-resubscribe ADDR` (router chaining, as uWSGI's corerouter does it): every subscription packet this
/// router accepts is sent on to each target as a new packet with the same command, key,
/// modifiers and SNI fields, the address rewritten to this router's first listener as
/// configured, and no signature. Sends never block (a full buffer drops the copy, counted and
/// logged at a bounded rate).
final class Resubscriber: Sendable {
    /// The address announced in place of the node's: the router's first client listener.
    let address: String
    private let targets: [SubscriptionSender]
    private let logger: Logger
    private let limiter = NIOLockedValueBox(LogRateLimiter(interval: .seconds(10)))
    private let failures = NIOLockedValueBox(0)

    /// The resubscriber `spec` asks for, nil without `-resubscribe` targets.
    static func make(spec: RouterSpec, logger: Logger) throws(FleetRouterError) -> Resubscriber? {
        guard !spec.resubscribe.isEmpty, let first = spec.listeners.first else { return nil }
        let option = "--\(spec.kind.prefix)-resubscribe"
        var targets: [SubscriptionSender] = []
        for target in spec.resubscribe {
            do {
                let destination = try SocketAddressSpec(parsing: target.configured)
                let bind = try spec.resubscribeBind.map { bind throws(RuntimeError) in try SocketAddressSpec(parsing: bind.configured) }
                targets.append(try SubscriptionSender(to: destination, bindingTo: bind))
            } catch {
                throw .unsupported(option: option, reason: "\(target.configured): \(error)")
            }
        }
        return Resubscriber(address: first.address.configured, targets: targets, logger: logger)
    }

    init(address: String, targets: [SubscriptionSender], logger: Logger) {
        self.address = address
        self.targets = targets
        self.logger = logger
    }

    /// Copies that could not be sent so far.
    var failedSends: Int { failures.withLockedValue { $0 } }

    /// The packet sent on for `packet`.
    func forwarded(_ packet: SubscriptionPacket) -> SubscriptionPacket {
        var copy = SubscriptionPacket(
            command: packet.command, key: packet.key, address: address,
            modifier1: packet.modifier1, modifier2: packet.modifier2, headerModifier1: packet.headerModifier1)
        copy.sniKey = packet.sniKey
        copy.sniCrt = packet.sniCrt
        copy.sniCA = packet.sniCA
        return copy
    }

    /// Sends the copy of `packet` to every target.
    func forward(_ packet: SubscriptionPacket) {
        let bytes: ByteBuffer
        do {
            bytes = try forwarded(packet).encoded()
        } catch {
            note(error, target: "(encoding)")
            return
        }
        for target in targets {
            do {
                try target.send(bytes)
            } catch {
                note(error, target: target.destination.configured)
            }
        }
    }

    private func note(_ error: any Error, target: String) {
        failures.withLockedValue { $0 += 1 }
        let decision = limiter.withLockedValue { $0.record(at: .now()) }
        guard case .log(let suppressed) = decision else { return }
        logger.warning("resubscription not sent", metadata: ["target": "\(target)", "error": "\(error)", "suppressed": "\(suppressed)"])
    }
}
