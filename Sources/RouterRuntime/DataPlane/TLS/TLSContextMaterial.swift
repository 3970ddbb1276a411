import NIOSSL
import RouterConfig

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The files one TLS context is built from (a listener's, an SNI name's), loaded and checked:
/// the certificate chain, the private key, the cipher string and the client CA.
///
/// Every defect is reported naming the file: missing or unreadable, not PEM, a key that does
/// not belong to the certificate, a cipher string BoringSSL refuses.
struct TLSContextMaterial: Sendable {
    /// The certificate chain, leaf first.
    let chain: [NIOSSLCertificate]
    /// The leaf's private key.
    let key: NIOSSLPrivateKey
    /// The OpenSSL cipher string (TLS 1.2 suites), if any.
    let ciphers: String?
    /// The CA certificates client certificates are checked against, if any.
    let clientCA: [NIOSSLCertificate]?
    /// True when a client certificate is mandatory (uWSGI's `!` before the CA).
    let clientCertificateRequired: Bool
    /// Where it came from, for logs (`cert.pem`).
    let certificateFile: String
    /// What it was loaded from, so a reload reads the same files again.
    private let origin: Origin

    /// The sources and policy a material was loaded from.
    private struct Origin: Sendable {
        var certificate: Source
        var key: Source
        var ciphers: String?
        var clientCA: Source?
        var clientCertificateRequired: Bool?
    }

    /// The leaf certificate's `notAfter` (seconds since the epoch).
    var expiry: Int { Int(chain[0].notValidAfter) }

    /// Loads and checks the files of a TLS listener.
    init(_ settings: TLSListenerSettings) throws(TLSMaterialError) {
        try self.init(certificateFile: settings.certificateFile, keyFile: settings.privateKeyFile, ciphers: settings.ciphers,
                      clientCAFile: settings.clientCAFile, clientCertificateRequired: settings.clientCertificateRequired)
    }

    /// Where a PEM item comes from: a file, or (from a subscription, with `--ssl-tmp-dir`) the
    /// PEM text itself.
    enum Source: Sendable, CustomStringConvertible {
        case file(String)
        case pem(String)

        /// A subscription's value: PEM text when it starts with `-----BEGIN ` and inline PEM is
        /// allowed, else a path.
        init(_ value: String, inlineAllowed: Bool) {
            self = inlineAllowed && value.hasPrefix("-----BEGIN ") ? .pem(value) : .file(value)
        }

        var description: String {
            switch self {
            case .file(let path): path
            case .pem: "(inline PEM)"
            }
        }
    }

    /// Loads and checks a certificate, its key and optionally a client CA; `clientCAFile` may
    /// carry uWSGI's `!` prefix when `clientCertificateRequired` is not given.
    init(certificateFile: String, keyFile: String, ciphers: String?, clientCAFile: String?,
         clientCertificateRequired: Bool? = nil) throws(TLSMaterialError) {
        try self.init(certificate: .file(certificateFile), key: .file(keyFile), ciphers: ciphers,
                      clientCA: clientCAFile.map { .file($0) }, clientCertificateRequired: clientCertificateRequired)
    }

    /// Loads and checks a certificate, its key and optionally a client CA from files or PEM text.
    init(certificate: Source, key keySource: Source, ciphers: String?, clientCA: Source?,
         clientCertificateRequired: Bool? = nil) throws(TLSMaterialError) {
        let certificateFile = certificate.description
        let keyFile = keySource.description
        var caSource = clientCA
        if case .file(let path)? = clientCA, path.isEmpty { caSource = nil }
        var required = clientCertificateRequired ?? false
        if clientCertificateRequired == nil, case .file(let path)? = caSource, path.hasPrefix("!") {
            required = true
            caSource = .file(String(path.dropFirst()))
        }
        let chain = try Self.certificates(certificate, what: "certificate")
        let key: NIOSSLPrivateKey = try Self.load(keySource, what: "private key") {
            switch keySource {
            case .file(let path): try NIOSSLPrivateKey(file: path, format: .pem)
            case .pem(let text): try NIOSSLPrivateKey(bytes: Array(text.utf8), format: .pem)
            }
        }
        self.chain = chain
        self.key = key
        self.ciphers = ciphers.flatMap { $0.isEmpty ? nil : $0 }
        self.clientCertificateRequired = required
        self.certificateFile = certificateFile
        self.origin = Origin(certificate: certificate, key: keySource, ciphers: ciphers, clientCA: clientCA,
                             clientCertificateRequired: clientCertificateRequired)
        self.clientCA = try caSource.map { source throws(TLSMaterialError) in try Self.certificates(source, what: "client CA") }
        if let ciphers = self.ciphers, case .failure(let error) = CipherListCheck.enabled(by: ciphers) {
            throw error
        }
        // A mismatch is caught here, without a context: a context that fails to build leaks
        // (see `KeyPairCheck`). Building one then checks whatever swift-crypto cannot read.
        if KeyPairCheck.check(key: key, certificate: chain[0]) == .mismatch {
            throw TLSMaterialError(file: keyFile, reason: "is not the private key of \(certificateFile)")
        }
        do {
            _ = try NIOSSLContext(configuration: configuration(alpn: []))
        } catch {
            throw TLSMaterialError(file: keyFile, reason: "is not the private key of \(certificateFile): \(error)")
        }
    }

    /// The same files read again (a certificate renewed on disk), checked as at start; the
    /// error names the file at fault.
    func reloaded() throws(TLSMaterialError) -> TLSContextMaterial {
        try TLSContextMaterial(certificate: origin.certificate, key: origin.key, ciphers: origin.ciphers, clientCA: origin.clientCA,
                               clientCertificateRequired: origin.clientCertificateRequired)
    }

    /// True when it was read from files (inline PEM from a subscription has nothing to re-read).
    var isFromFiles: Bool {
        if case .file = origin.certificate, case .file = origin.key { return true }
        return false
    }

    /// The server configuration: TLS 1.2 minimum, 1.3 on, ALPN `alpn` if any, the client
    /// certificate requested (optional) or required when a client CA is given.
    func configuration(alpn: [String]) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.maximumTLSVersion = nil
        configuration.applicationProtocols = alpn
        if let ciphers { configuration.cipherSuites = ciphers }
        if let clientCA {
            configuration.trustRoots = .certificates(clientCA)
            configuration.certificateVerification = clientCertificateRequired ? .noHostnameVerification : .optionalVerification
            configuration.sendCANameList = true
        }
        return configuration
    }

    /// The same certificate and key with another listener's client-certificate policy: a
    /// listener whose client certificate is mandatory keeps it mandatory (and its CA) whatever
    /// SNI context serves the handshake.
    func holding(_ listener: TLSContextMaterial) -> TLSContextMaterial {
        guard listener.clientCertificateRequired else { return self }
        return TLSContextMaterial(chain: chain, key: key, ciphers: ciphers, clientCA: (clientCA ?? []) + (listener.clientCA ?? []),
                                  clientCertificateRequired: true, certificateFile: certificateFile, origin: origin)
    }

    private init(chain: [NIOSSLCertificate], key: NIOSSLPrivateKey, ciphers: String?, clientCA: [NIOSSLCertificate]?,
                 clientCertificateRequired: Bool, certificateFile: String, origin: Origin) {
        self.origin = origin
        self.chain = chain
        self.key = key
        self.ciphers = ciphers
        self.clientCA = clientCA
        self.clientCertificateRequired = clientCertificateRequired
        self.certificateFile = certificateFile
    }

    /// The PEM certificates of `source`, at least one.
    private static func certificates(_ source: Source, what: String) throws(TLSMaterialError) -> [NIOSSLCertificate] {
        let certificates: [NIOSSLCertificate] = try load(source, what: what) {
            switch source {
            case .file(let path): try NIOSSLCertificate.fromPEMFile(path)
            case .pem(let text): try NIOSSLCertificate.fromPEMBytes(Array(text.utf8))
            }
        }
        guard !certificates.isEmpty else { throw TLSMaterialError(file: source.description, reason: "holds no PEM certificate") }
        return certificates
    }

    /// Runs `body` on a source (a file must exist and be readable), naming it in any failure.
    private static func load<T>(_ source: Source, what: String, _ body: () throws -> T) throws(TLSMaterialError) -> T {
        let name = source.description
        if case .file(let file) = source {
            guard access(file, F_OK) == 0 else { throw TLSMaterialError(file: name, reason: "(\(what)) does not exist") }
            guard access(file, R_OK) == 0 else { throw TLSMaterialError(file: name, reason: "(\(what)) is not readable") }
        }
        do {
            return try body()
        } catch {
            throw TLSMaterialError(file: name, reason: "(\(what)) is not a PEM \(what): \(error)")
        }
    }
}

/// A TLS file that cannot be used, and why.
struct TLSMaterialError: Error, CustomStringConvertible {
    /// The file at fault.
    let file: String
    /// What is wrong with it.
    let reason: String

    var description: String { "\(file) \(reason)" }
}
