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

    /// The leaf certificate's `notAfter` (seconds since the epoch).
    var expiry: Int { Int(chain[0].notValidAfter) }

    /// Loads and checks the files of a TLS listener.
    init(_ settings: TLSListenerSettings) throws(TLSMaterialError) {
        try self.init(certificateFile: settings.certificateFile, keyFile: settings.privateKeyFile, ciphers: settings.ciphers,
                      clientCAFile: settings.clientCAFile, clientCertificateRequired: settings.clientCertificateRequired)
    }

    /// Loads and checks a certificate, its key and optionally a client CA; `clientCAFile` may
    /// carry uWSGI's `!` prefix when `clientCertificateRequired` is not given.
    init(certificateFile: String, keyFile: String, ciphers: String?, clientCAFile: String?,
         clientCertificateRequired: Bool? = nil) throws(TLSMaterialError) {
        var caFile = clientCAFile.flatMap { $0.isEmpty ? nil : $0 }
        var required = clientCertificateRequired ?? false
        if clientCertificateRequired == nil, let file = caFile, file.hasPrefix("!") {
            required = true
            caFile = String(file.dropFirst())
        }
        let chain: [NIOSSLCertificate] = try Self.load(certificateFile, what: "certificate") {
            try NIOSSLCertificate.fromPEMFile(certificateFile)
        }
        guard !chain.isEmpty else { throw TLSMaterialError(file: certificateFile, reason: "holds no PEM certificate") }
        let key: NIOSSLPrivateKey = try Self.load(keyFile, what: "private key") {
            try NIOSSLPrivateKey(file: keyFile, format: .pem)
        }
        self.chain = chain
        self.key = key
        self.ciphers = ciphers.flatMap { $0.isEmpty ? nil : $0 }
        self.clientCertificateRequired = required
        self.certificateFile = certificateFile
        if let caFile {
            let roots: [NIOSSLCertificate] = try Self.load(caFile, what: "client CA") { try NIOSSLCertificate.fromPEMFile(caFile) }
            guard !roots.isEmpty else { throw TLSMaterialError(file: caFile, reason: "holds no PEM certificate") }
            self.clientCA = roots
        } else {
            self.clientCA = nil
        }
        if let ciphers = self.ciphers, case .failure(let error) = CipherListCheck.enabled(by: ciphers) {
            throw error
        }
        // Building a context checks the key against the certificate.
        do {
            _ = try NIOSSLContext(configuration: configuration(alpn: []))
        } catch {
            throw TLSMaterialError(file: keyFile, reason: "is not the private key of \(certificateFile): \(error)")
        }
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
                                  clientCertificateRequired: true, certificateFile: certificateFile)
    }

    private init(chain: [NIOSSLCertificate], key: NIOSSLPrivateKey, ciphers: String?, clientCA: [NIOSSLCertificate]?,
                 clientCertificateRequired: Bool, certificateFile: String) {
        self.chain = chain
        self.key = key
        self.ciphers = ciphers
        self.clientCA = clientCA
        self.clientCertificateRequired = clientCertificateRequired
        self.certificateFile = certificateFile
    }

    /// Runs `body` on a file that must exist and be readable, naming it in any failure.
    private static func load<T>(_ file: String, what: String, _ body: () throws -> T) throws(TLSMaterialError) -> T {
        guard access(file, F_OK) == 0 else { throw TLSMaterialError(file: file, reason: "(\(what)) does not exist") }
        guard access(file, R_OK) == 0 else { throw TLSMaterialError(file: file, reason: "(\(what)) is not readable") }
        do {
            return try body()
        } catch {
            throw TLSMaterialError(file: file, reason: "(\(what)) is not a PEM \(what): \(error)")
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
