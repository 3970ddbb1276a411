import Logging
import NIOCore
import RouterConfig
import RouterCore
import RouterWire
import NIOConcurrencyHelpers
import Synchronization

/// What the TLS listeners of one router share: the SNI certificates (`--sni`, `--sni-dir`,
/// subscriptions) and each listener's counters, kept for stats. Attached to the router's
/// engine, it hears of subscription slots: a slot created by a packet carrying `sni_key` and
/// `sni_crt` adds a certificate for the key's host (up to the first `:`), removed with the
/// slot. A certificate that cannot be loaded is logged and counted, and the name is served with
/// the listener's own. It reloads every certificate on demand and adds the `tls` stats.
final class TLSRouterSupport: RouterKindAttachment {
    /// The router's SNI certificates.
    let sni: SNIRegistry
    private let tracked = NIOLockedValueBox<[TrackedListener]>([])
    private let reloads = NIOLockedValueBox(ReloadCounts())

    /// One TLS listener: its name as configured, contexts and counters.
    private struct TrackedListener: Sendable {
        var name: String
        var contexts: TLSContextStore
        var counters: TLSCounters
    }

    /// The reloads done, failed, and why the last failure failed.
    private struct ReloadCounts: Sendable {
        var count: UInt64 = 0
        var failures: UInt64 = 0
        var lastError: String?
    }
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
        for entry in configuration.sniRegexp {
            do {
                try sni.addPattern(entry)
            } catch {
                throw .unsupported(option: "--sni-regexp", reason: "\(entry): \(error)")
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

    /// Keeps a TLS listener's contexts (for reloads and stats) and returns its counters.
    func track(_ listener: RouterListener, contexts: TLSContextStore) -> TLSCounters {
        let counters = TLSCounters()
        tracked.withLockedValue { $0.append(TrackedListener(name: listener.address.configured, contexts: contexts, counters: counters)) }
        return counters
    }

    /// Every TLS listener's counters, in bind order.
    var allCounters: [(name: String, counters: TLSCounters)] {
        tracked.withLockedValue { $0.map { ($0.name, $0.counters) } }
    }

    /// Reads every certificate again: each listener's files, the `--sni` and subscription
    /// files; `--sni-dir` names load afresh on their next handshake. Open connections keep the
    /// context they have. Whatever is bad keeps its old context, and is logged, counted and
    /// returned (each error names its file).
    @discardableResult
    func reload(trigger: String) -> [TLSMaterialError] {
        var errors: [TLSMaterialError] = []
        for listener in tracked.withLockedValue({ $0 }) {
            do {
                try listener.contexts.reload()
            } catch {
                errors.append(TLSMaterialError(file: error.file, reason: "\(error.reason) (listener \(listener.name))"))
            }
        }
        errors += sni.reload()
        reloads.withLockedValue { reloads in
            reloads.count += 1
            if !errors.isEmpty {
                reloads.failures += 1
                reloads.lastError = errors.map(\.description).joined(separator: "; ")
            }
        }
        if errors.isEmpty {
            logger.notice("TLS certificates reloaded", metadata: ["trigger": "\(trigger)"])
        } else {
            for error in errors {
                logger.error("TLS reload kept the old certificate", metadata: ["trigger": "\(trigger)", "error": "\(error)"])
            }
        }
        return errors
    }

    /// The `tls` stats: listeners with their certificate, expiry and counters, the SNI
    /// contexts with theirs, and the reloads.
    var state: StatsDocument.TLSState {
        let listeners = tracked.withLockedValue { $0 }.map { listener in
            let material = listener.contexts.material
            var failures: [String: UInt64] = [:]
            for (reason, count) in listener.counters.byReason { failures[reason.rawValue] = count }
            return StatsDocument.TLSListener(
                name: listener.name, certificate: material.certificateFile, expires: UInt64(clamping: material.expiry),
                handshakes: listener.counters.handshakes.load(ordering: .relaxed), handshakeFailures: failures)
        }
        let contexts = sni.names.map { entry in
            StatsDocument.SNIContext(name: entry.name, source: entry.source, certificate: entry.certificate, expires: UInt64(clamping: entry.expiry))
        }
        let reloads = reloads.withLockedValue { $0 }
        return StatsDocument.TLSState(
            listeners: listeners, sni: contexts, sniFailures: sni.failures.load(ordering: .relaxed), reloads: reloads.count,
            reloadFailures: reloads.failures, lastReloadError: reloads.lastError)
    }

    func amend(_ document: inout StatsDocument) {
        document.tls = state
    }

    /// The longest `--ssl-sessions-timeout` carried out: BoringSSL's own TLS 1.3 session limit.
    static let maximumSessionTimeout = 7 * 86_400

    /// How long a TLS session may resume (`--ssl-sessions-timeout`, at most 7 days).
    static func sessionTimeout(_ configuration: RouterConfiguration) -> TimeAmount {
        .seconds(Int64(min(max(1, configuration.sslSessionsTimeout), maximumSessionTimeout)))
    }

    /// A TLS listener's contexts over the router's SNI certificates; the error names the
    /// router, the option, the listener and the file.
    func contexts(
        _ settings: TLSListenerSettings, listener: RouterListener, router: String, option: String, alpn: [String], sessionTimeout: TimeAmount
    ) throws(FleetRouterError) -> TLSContextStore {
        let material = try Self.material(settings, listener: listener, router: router, option: option)
        do {
            return try TLSContextStore(material: material, alpn: alpn, registry: sni, sessionTimeout: sessionTimeout)
        } catch {
            throw .invalidRouter(router: router, reason: "\(option) \(listener.address.configured): \(error)")
        }
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
