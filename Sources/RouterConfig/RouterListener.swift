/// One listening socket of a router and what it speaks.
public struct RouterListener: Sendable, Equatable {
    /// How clients on this listener are handled.
    public enum Mode: Sendable, Equatable {
        /// The router's own protocol in clear (HTTP, uwsgi, raw bytes, raw pty).
        case plain
        /// TLS (`--https2`, `--https`, `--sslrouter2`, `--sslrouter`).
        case tls(TLSListenerSettings)
        /// `--http-to-https ADDR[,PORT]`: answers every request with a 301 to https.
        case redirectToHTTPS(port: Int?)
        /// `--forkptyurouter`: client input framed in uwsgi headers.
        case uwsgiFramed
    }

    /// The address as configured (also the raw and SSL routers' routing key).
    public var address: ListenAddress
    /// What the listener speaks.
    public var mode: Mode

    /// Creates a listener.
    public init(address: ListenAddress, mode: Mode = .plain) {
        self.address = address
        self.mode = mode
    }
}

/// TLS material of one TLS listener, as given to `--https2` / `--sslrouter2`.
public struct TLSListenerSettings: Sendable, Equatable {
    /// PEM certificate file.
    public var certificateFile: String
    /// PEM private key file.
    public var privateKeyFile: String
    /// OpenSSL cipher string, if any.
    public var ciphers: String?
    /// CA file for client certificates, without uWSGI's leading `!`.
    public var clientCAFile: String?
    /// True when the client CA was written with a leading `!`: a client certificate is mandatory.
    public var clientCertificateRequired: Bool
    /// The TLS session-id context in force when this listener was declared.
    public var sessionContext: String?

    /// Creates TLS listener settings.
    public init(certificateFile: String, privateKeyFile: String, ciphers: String? = nil,
                clientCAFile: String? = nil, clientCertificateRequired: Bool = false,
                sessionContext: String? = nil) {
        self.certificateFile = certificateFile
        self.privateKeyFile = privateKeyFile
        self.ciphers = ciphers
        self.clientCAFile = clientCAFile
        self.clientCertificateRequired = clientCertificateRequired
        self.sessionContext = sessionContext
    }
}
