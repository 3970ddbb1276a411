extension StatsDocument {
    /// A TLS router's certificates and handshake outcomes (Fleettop addition, key `tls`): each
    /// TLS listener's certificate and counters, every SNI context with its expiry, and the
    /// certificate reloads.
    public struct TLSState: Sendable, Hashable {
        /// The TLS listeners in bind order (`listeners`).
        public var listeners: [TLSListener]
        /// The SNI contexts served now, by name (`sni`): `--sni`, `--sni-dir` and subscriptions.
        public var sni: [SNIContext]
        /// SNI certificates that could not be loaded (`sni_failures`).
        public var sniFailures: UInt64
        /// Certificate reloads done, SIGHUP and admin calls alike (`reloads`).
        public var reloads: UInt64
        /// Reloads that kept an old context because a file was bad (`reload_failures`).
        public var reloadFailures: UInt64
        /// Why the last failed reload failed, naming the file (`last_reload_error`).
        public var lastReloadError: String?

        /// Creates the TLS state.
        public init(listeners: [TLSListener] = [], sni: [SNIContext] = [], sniFailures: UInt64 = 0, reloads: UInt64 = 0,
                    reloadFailures: UInt64 = 0, lastReloadError: String? = nil) {
            self.listeners = listeners
            self.sni = sni
            self.sniFailures = sniFailures
            self.reloads = reloads
            self.reloadFailures = reloadFailures
            self.lastReloadError = lastReloadError
        }

        /// The earliest expiry of any certificate served (listeners and SNI contexts), if any.
        public var earliestExpiry: UInt64? {
            (listeners.map(\.expires) + sni.map(\.expires)).min()
        }
    }

    /// One TLS listener (`tls.listeners[]`).
    public struct TLSListener: Sendable, Hashable {
        /// The address as configured (`name`).
        public var name: String
        /// The certificate file served when no SNI context applies (`certificate`).
        public var certificate: String
        /// The certificate's `notAfter`, seconds since the epoch (`expires`).
        public var expires: UInt64
        /// Handshakes completed (`handshakes`).
        public var handshakes: UInt64
        /// Connections closed before their handshake completed, by reason
        /// (`handshake_failures`: `no_certificate`, `bad_certificate`, `protocol`, `timeout`, …).
        public var handshakeFailures: [String: UInt64]

        /// Creates a listener entry.
        public init(name: String, certificate: String, expires: UInt64, handshakes: UInt64 = 0, handshakeFailures: [String: UInt64] = [:]) {
            self.name = name
            self.certificate = certificate
            self.expires = expires
            self.handshakes = handshakes
            self.handshakeFailures = handshakeFailures
        }

        /// Every handshake failure, whatever its reason.
        public var failedHandshakes: UInt64 {
            handshakeFailures.values.reduce(0) { sum, count in
                let (total, overflow) = sum.addingReportingOverflow(count)
                return overflow ? .max : total
            }
        }
    }

    /// One SNI context (`tls.sni[]`).
    public struct SNIContext: Sendable, Hashable {
        /// The server name it serves (`name`; `.example.com` with `--subscription-dotsplit`).
        public var name: String
        /// Where it came from: `--sni`, `--sni-dir` or `subscription` (`source`).
        public var source: String
        /// Its certificate file, or `(inline PEM)` (`certificate`).
        public var certificate: String
        /// The certificate's `notAfter`, seconds since the epoch (`expires`).
        public var expires: UInt64

        /// Creates an SNI context entry.
        public init(name: String, source: String, certificate: String, expires: UInt64) {
            self.name = name
            self.source = source
            self.certificate = certificate
            self.expires = expires
        }
    }
}

extension StatsDocument.TLSState {
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("listeners")
        writer.beginArray()
        for listener in listeners {
            writer.beginObject()
            writer.member("name", listener.name)
            writer.member("certificate", listener.certificate)
            writer.member("expires", listener.expires)
            writer.member("handshakes", listener.handshakes)
            writer.key("handshake_failures")
            writer.beginObject()
            for (reason, count) in listener.handshakeFailures.sorted(by: { $0.key < $1.key }) { writer.member(reason, count) }
            writer.endObject()
            writer.endObject()
        }
        writer.endArray()
        writer.key("sni")
        writer.beginArray()
        for context in sni {
            writer.beginObject()
            writer.member("name", context.name)
            writer.member("source", context.source)
            writer.member("certificate", context.certificate)
            writer.member("expires", context.expires)
            writer.endObject()
        }
        writer.endArray()
        writer.member("sni_failures", sniFailures)
        writer.member("reloads", reloads)
        writer.member("reload_failures", reloadFailures)
        writer.member("last_reload_error", lastReloadError)
        writer.endObject()
    }

    /// Reads the `tls` object; `null` is nil.
    init?(json: JSONValue, path: StatsPath) throws(WireError) {
        if case .null = json { return nil }
        self.init()
        for member in try StatsField.members(json, path) {
            let value = member.value
            switch member.key {
            case "listeners":
                listeners = try StatsField.objects(value, "tls.listeners", path) { item, itemPath throws(WireError) in
                    var name: String?, certificate: String?, expires: UInt64?, handshakes: UInt64?, failures: [String: UInt64]?
                    for field in try StatsField.members(item, itemPath) {
                        switch field.key {
                        case "name": name = try StatsField.string(field.value, "name", itemPath)
                        case "certificate": certificate = try StatsField.string(field.value, "certificate", itemPath)
                        case "expires": expires = try StatsField.unsigned(field.value, "expires", itemPath)
                        case "handshakes": handshakes = try StatsField.unsigned(field.value, "handshakes", itemPath)
                        case "handshake_failures": failures = try StatsField.counts(field.value, "handshake_failures", itemPath)
                        default: break
                        }
                    }
                    return StatsDocument.TLSListener(
                        name: try StatsField.require(name, "name", itemPath), certificate: certificate ?? "",
                        expires: try StatsField.require(expires, "expires", itemPath), handshakes: handshakes ?? 0,
                        handshakeFailures: failures ?? [:])
                } ?? []
            case "sni":
                sni = try StatsField.objects(value, "tls.sni", path) { item, itemPath throws(WireError) in
                    var name: String?, source: String?, certificate: String?, expires: UInt64?
                    for field in try StatsField.members(item, itemPath) {
                        switch field.key {
                        case "name": name = try StatsField.string(field.value, "name", itemPath)
                        case "source": source = try StatsField.string(field.value, "source", itemPath)
                        case "certificate": certificate = try StatsField.string(field.value, "certificate", itemPath)
                        case "expires": expires = try StatsField.unsigned(field.value, "expires", itemPath)
                        default: break
                        }
                    }
                    return StatsDocument.SNIContext(
                        name: try StatsField.require(name, "name", itemPath), source: source ?? "", certificate: certificate ?? "",
                        expires: try StatsField.require(expires, "expires", itemPath))
                } ?? []
            case "sni_failures": sniFailures = try StatsField.unsigned(value, "tls.sni_failures", path) ?? 0
            case "reloads": reloads = try StatsField.unsigned(value, "tls.reloads", path) ?? 0
            case "reload_failures": reloadFailures = try StatsField.unsigned(value, "tls.reload_failures", path) ?? 0
            case "last_reload_error": lastReloadError = try StatsField.string(value, "tls.last_reload_error", path)
            default: break
            }
        }
    }
}
