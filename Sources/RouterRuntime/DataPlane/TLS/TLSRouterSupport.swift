import Logging
import RouterConfig
import RouterCore
import RouterWire
import Synchronization

/// What the TLS listeners of one router share: the SNI certificates (`--sni`, `--sni-dir`,
/// subscriptions) and each listener's counters, kept for stats. Attached to the router's
/// engine, it hears of subscription slots: a slot created by a packet carrying `sni_key` and
/// `sni_crt` adds a certificate for the key's host (up to the first `:`), removed with the
/// slot. A certificate that cannot be loaded is logged and counted, and the name is served with
/// the listener's own.
final class TLSRouterSupport: RouterKindAttachment {
    /// The router's SNI certificates.
    let sni: SNIRegistry
    private let listenerCounters = Mutex<[(name: String, counters: TLSCounters)]>([])
    private let inlinePEM: Bool
    private let logger: Logger

    /// Loads the `--sni` entries of `configuration` (a bad file stops the start, naming it).
    init(configuration: RouterConfiguration, logger: Logger) throws(FleetRouterError) {
        inlinePEM = configuration.sslTemporaryDirectory != nil
        self.logger = logger
        sni = SNIRegistry(
            directory: configuration.sniDirectory, directoryCiphers: configuration.sniDirectoryCiphers,
            dotsplit: configuration.subscriptionDotsplit, logger: logger)
        for entry in configuration.sni {
            do {
                try sni.addStatic(entry)
            } catch {
                throw .unsupported(option: "--sni", reason: "\(entry): \(error)")
            }
        }
    }

    func slotChanged(_ change: SubscriptionSlotChange) {
        switch change {
        case .created(let key, let packet):
            guard let keyFile = packet.sniKey, let certificateFile = packet.sniCrt else { return }
            let name = Self.serverName(of: key)
            do {
                let material = try TLSContextMaterial(
                    certificate: .init(certificateFile, inlineAllowed: inlinePEM), key: .init(keyFile, inlineAllowed: inlinePEM),
                    ciphers: nil, clientCA: packet.sniCA.map { .init($0, inlineAllowed: inlinePEM) })
                sni.add(SNIRegistry.Entry(name: name, material: material, source: "subscription"))
                logger.info("SNI certificate added from a subscription", metadata: ["name": "\(name)", "certificate": "\(material.certificateFile)"])
            } catch {
                sni.failures.add(1, ordering: .relaxed)
                logger.warning("SNI certificate from a subscription unusable; the listener's own serves \(name)", metadata: ["error": "\(error)"])
            }
        case .removed(let key):
            sni.remove(name: Self.serverName(of: key), source: "subscription")
        }
    }

    /// The server name of a subscription key: up to the first `:` (uWSGI's rule), lowercased.
    static func serverName(of key: RouteKey) -> String {
        String(decoding: key.bytes.prefix { $0 != UInt8(ascii: ":") }, as: UTF8.self).lowercased()
    }

    /// The counters of the TLS listener `listener` (created on first use).
    func counters(for listener: RouterListener) -> TLSCounters {
        let name = listener.address.configured
        return listenerCounters.withLock { all in
            if let found = all.first(where: { $0.name == name }) { return found.counters }
            let counters = TLSCounters()
            all.append((name, counters))
            return counters
        }
    }

    /// Every TLS listener's counters, in bind order.
    var allCounters: [(name: String, counters: TLSCounters)] {
        listenerCounters.withLock { $0 }
    }

    /// A TLS listener's files, loaded and checked; the error names the router, the option, the
    /// listener and the file.
    static func material(
        _ settings: TLSListenerSettings, listener: RouterListener, router: String, option: String
    ) throws(FleetRouterError) -> TLSContextMaterial {
        do {
            return try TLSContextMaterial(settings)
        } catch {
            throw .invalidRouter(router: router, reason: "\(option) \(listener.address.configured): \(error)")
        }
    }
}
