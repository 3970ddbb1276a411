import NIOSSL
import Synchronization

/// One TLS listener's contexts: its own, and one per SNI name it has served, built once from the
/// router's `SNIRegistry` and shared by every connection (a context is immutable and
/// thread-safe). An SNI context keeps the listener's ALPN and, when the listener's client
/// certificate is mandatory, that requirement and its CA (unlike uWSGI, where an SNI context
/// replaces the listener's whole policy).
final class TLSContextStore: Sendable {
    /// The listener's own context (no SNI, or an unknown name).
    let listenerContext: NIOSSLContext
    /// The listener's material.
    let material: TLSContextMaterial
    private let alpn: [String]
    private let registry: SNIRegistry?
    /// SNI contexts by name, with the registry entry they were built from (a replaced entry
    /// is rebuilt).
    private let cache = Mutex<[String: (entry: ObjectIdentifier, context: NIOSSLContext)]>([:])

    /// The most SNI contexts one listener keeps; past it the oldest is forgotten (rebuilt on use).
    static let cacheLimit = 1024

    /// Builds the listener's context; `alpn` is offered in every handshake.
    init(material: TLSContextMaterial, alpn: [String], registry: SNIRegistry?) throws {
        self.material = material
        self.alpn = alpn
        self.registry = registry
        self.listenerContext = try NIOSSLContext(configuration: material.configuration(alpn: alpn))
    }

    /// The context for a handshake that named `serverName` (nil: none).
    func context(for serverName: String?) -> NIOSSLContext {
        guard let serverName, let registry, let entry = registry.entry(for: serverName) else { return listenerContext }
        let id = ObjectIdentifier(entry)
        if let cached = cache.withLock({ $0[entry.name] }), cached.entry == id { return cached.context }
        let effective = entry.material.holding(material)
        guard let context = try? NIOSSLContext(configuration: effective.configuration(alpn: alpn)) else {
            registry.failures.add(1, ordering: .relaxed)
            return listenerContext
        }
        cache.withLock { cache in
            if cache.count >= Self.cacheLimit, let victim = cache.keys.first { cache[victim] = nil }
            cache[entry.name] = (id, context)
        }
        return context
    }
}
