import Logging
import RouterConfig
import Synchronization

/// What the TLS listeners of one router share: the SNI certificates (`--sni`, `--sni-dir`,
/// subscriptions) and each listener's counters, kept for stats.
final class TLSRouterSupport: Sendable {
    /// The router's SNI certificates.
    let sni: SNIRegistry
    private let listenerCounters = Mutex<[(name: String, counters: TLSCounters)]>([])

    /// Loads the `--sni` entries of `configuration` (a bad file stops the start, naming it).
    init(configuration: RouterConfiguration, logger: Logger) throws(FleetRouterError) {
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
