/// Why a TLS client was closed before its handshake completed, as stats (`handshake_failures`)
/// and `/metrics` (`reason`) name it. A fixed set, so the metric's label stays low-cardinality.
enum TLSFailureReason: String, CaseIterable, Sendable {
    /// A mandatory client certificate was not sent.
    case noCertificate = "no_certificate"
    /// The client's certificate did not verify against the client CA (or was malformed).
    case badCertificate = "bad_certificate"
    /// Any other refusal by the TLS library: no common version or cipher, a bad record, an alert.
    case `protocol` = "protocol"
    /// The handshake (or the SSL router's first bytes) missed its deadline.
    case timeout = "timeout"
    /// Plaintext sent to the TLS port.
    case plaintext = "plaintext"
    /// A ClientHello that did not parse, or was too large.
    case malformedHello = "malformed_hello"
    /// An SNI name refused (over 255 bytes, NUL or other bytes a host name cannot hold).
    case badServerName = "bad_server_name"
    /// The client closed or reset the connection during the handshake.
    case aborted = "aborted"

    /// The reason of a refusal; nil for a stop (the router's, not the client's doing).
    init?(_ refusal: TLSAcceptStateMachine.Refusal) {
        switch refusal {
        case .plaintext: self = .plaintext
        case .malformedHello: self = .malformedHello
        case .badServerName: self = .badServerName
        case .handshakeTimeout, .noFirstBytes: self = .timeout
        case .handshakeFailed(let description): self = Self.classify(handshakeError: description)
        case .stopped: return nil
        }
    }

    /// Sorts the TLS library's error text by BoringSSL's reason codes (its errors carry no
    /// other structure through swift-nio-ssl): `PEER_DID_NOT_RETURN_A_CERTIFICATE` is a missing
    /// certificate; `CERTIFICATE_VERIFY_FAILED` and the certificate decode errors a bad one;
    /// an unclean shutdown or a reset an abort; everything else is the protocol's.
    static func classify(handshakeError text: String) -> TLSFailureReason {
        let missing = ["PEER_DID_NOT_RETURN_A_CERTIFICATE", "CERTIFICATE_REQUIRED"]
        let bad = ["CERTIFICATE_VERIFY_FAILED", "BAD_CERTIFICATE", "CERT_DECODE_ERROR", "UNKNOWN_CA", "CERTIFICATE_EXPIRED",
                   "CERTIFICATE_REVOKED", "UNSUPPORTED_CERTIFICATE", "CANNOT_PARSE_LEAF_CERT"]
        let aborted = ["uncleanShutdown", "Connection reset", "ECONNRESET", "Broken pipe", "EPIPE"]
        if missing.contains(where: text.contains) { return .noCertificate }
        if bad.contains(where: text.contains) { return .badCertificate }
        if aborted.contains(where: text.contains) { return .aborted }
        return .protocol
    }
}
