import NIOCore
import NIOSSL
import NIOConcurrencyHelpers
import Synchronization

/// One TLS listener's contexts: its own, and one per SNI name it has served, built once from the
/// router's `SNIRegistry` and shared by every connection (a context is immutable and
/// thread-safe). An SNI context keeps the listener's ALPN and, when the listener's client
/// certificate is mandatory, that requirement and its CA (unlike uWSGI, where an SNI context
/// replaces the listener's whole policy).
///
/// - **Reload** (`reload()`, SIGHUP, `POST /v1/tls/reload`) reads the listener's files again
///   and swaps the context in; a handshake already running, and every open connection, keeps
///   the context it started with. A bad file keeps the old context and names the file.
/// - **Sessions**: BoringSSL keeps a session cache and issues tickets per context. swift-nio-ssl
///   exposes neither `SSL_CTX_set_timeout` nor the ticket keys, so `--ssl-sessions-timeout N`
///   is carried out by renewing the contexts every N seconds: the cache and the ticket keys go
///   with the old context, so no session resumes more than N seconds after it was made (one
///   made just before a renewal lives shorter).
final class TLSContextStore: Sendable {
    /// The context in force and when it must be renewed.
    private struct Current {
        var material: TLSContextMaterial
        var context: NIOSSLContext
        var renewAt: NIODeadline
        /// Bumped at each renewal or reload: SNI contexts of an older epoch are rebuilt.
        var epoch: UInt64
    }

    private let current: NIOLockedValueBox<Current>
    private let alpn: [String]
    private let registry: SNIRegistry?
    /// How long a session may resume (the contexts' renewal period); nil: BoringSSL's defaults.
    let sessionTimeout: TimeAmount?
    private let now: @Sendable () -> NIODeadline
    /// SNI contexts by name, with the registry entry's generation and the epoch they were built
    /// in (a replaced entry, a renewal or a reload rebuilds them).
    private let cache = NIOLockedValueBox<[String: (generation: UInt64, epoch: UInt64, context: NIOSSLContext)]>([:])

    /// The most SNI contexts one listener keeps; past it the oldest is forgotten (rebuilt on use).
    static let cacheLimit = 1024

    /// Builds the listener's context; `alpn` is offered in every handshake. `sessionTimeout`
    /// bounds session resumption (see the type's notes); `now` is the clock renewals follow.
    init(material: TLSContextMaterial, alpn: [String], registry: SNIRegistry?, sessionTimeout: TimeAmount? = nil,
         now: @escaping @Sendable () -> NIODeadline = { .now() }) throws {
        self.alpn = alpn
        self.registry = registry
        self.sessionTimeout = sessionTimeout
        self.now = now
        let context = try NIOSSLContext(configuration: material.configuration(alpn: alpn))
        current = NIOLockedValueBox(Current(material: material, context: context, renewAt: Self.renewal(after: now(), sessionTimeout), epoch: 0))
    }

    /// The listener's material in force.
    var material: TLSContextMaterial { current.withLockedValue { $0.material } }

    /// The listener's own context (no SNI, or an unknown name), renewed first if it is due.
    var listenerContext: NIOSSLContext { renewedIfDue().context }

    /// The context for a handshake that named `serverName` (nil: none).
    func context(for serverName: String?) -> NIOSSLContext {
        let listener = renewedIfDue()
        guard let serverName, let registry, let entry = registry.entry(for: serverName) else { return listener.context }
        if let cached = cache.withLockedValue({ $0[entry.name] }), cached.generation == entry.generation, cached.epoch == listener.epoch {
            return cached.context
        }
        let effective = entry.material.holding(listener.material)
        guard let context = try? NIOSSLContext(configuration: effective.configuration(alpn: alpn)) else {
            registry.failures.add(1, ordering: .relaxed)
            return listener.context
        }
        cache.withLockedValue { cache in
            if cache.count >= Self.cacheLimit, let victim = cache.keys.first { cache[victim] = nil }
            cache[entry.name] = (entry.generation, listener.epoch, context)
        }
        return context
    }

    /// Reads the listener's files again and swaps the new context in; on any defect the old
    /// context stays and the error names the file.
    func reload() throws(TLSMaterialError) {
        let fresh = try material.reloaded()
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: fresh.configuration(alpn: alpn))
        } catch {
            throw TLSMaterialError(file: fresh.certificateFile, reason: "makes no TLS context: \(error)")
        }
        let renewAt = Self.renewal(after: now(), sessionTimeout)
        current.withLockedValue { current in
            current = Current(material: fresh, context: context, renewAt: renewAt, epoch: current.epoch &+ 1)
        }
    }

    /// The context in force, renewed first when the session timeout has passed.
    private func renewedIfDue() -> Current {
        let now = now()
        let due = current.withLockedValue { $0 }
        guard now >= due.renewAt else { return due }
        // Built outside the lock; a racing renewal just builds one more context.
        guard let context = try? NIOSSLContext(configuration: due.material.configuration(alpn: alpn)) else { return due }
        return current.withLockedValue { current in
            if current.epoch == due.epoch {
                current = Current(material: due.material, context: context, renewAt: Self.renewal(after: now, sessionTimeout),
                                  epoch: due.epoch &+ 1)
            }
            return current
        }
    }

    private static func renewal(after now: NIODeadline, _ timeout: TimeAmount?) -> NIODeadline {
        guard let timeout else { return .distantFuture }
        return now + timeout
    }
}
