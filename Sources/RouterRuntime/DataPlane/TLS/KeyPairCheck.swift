import Crypto
import _CryptoExtras
import NIOSSL

/// Whether a private key belongs to a certificate, decided by swift-crypto before any TLS
/// context is built.
///
/// Why not just build the context and see: swift-nio-ssl's `NIOSSLContext.init` leaks its
/// `SSL_CTX` when it throws, and a key that does not match its certificate is exactly what
/// makes it throw. Certificates named in subscription packets come from the network, so a node
/// that keeps announcing a mismatched pair would otherwise grow the process by a context each
/// time. Key types swift-crypto does not read (Ed25519, RSA under 2,048 bits) are `.unknown`,
/// and only those still reach the context for the check.
enum KeyPairCheck: Equatable {
    case matches
    case mismatch
    case unknown

    /// Compares `key` with the public key of `certificate`: the key's public half, encoded as
    /// a SubjectPublicKeyInfo by swift-crypto, against the certificate's, byte for byte.
    ///
    /// The certificate's key is never handed to swift-crypto to parse: `_RSA.Signing.PublicKey`
    /// frees its key twice when the bytes are not an RSA key (found under ThreadSanitizer, which
    /// aborts on the second free), and a certificate's key can be of any type.
    static func check(key: NIOSSLPrivateKey, certificate: NIOSSLCertificate) -> KeyPairCheck {
        guard let keyDER = try? key.derBytes,
              let spki = try? certificate.extractPublicKey().toSPKIBytes() else { return .unknown }
        guard let own = publicKeyInfo(ofPrivateKey: keyDER) else { return .unknown }
        return own == spki ? .matches : .mismatch
    }

    /// The SubjectPublicKeyInfo of a DER private key swift-crypto reads (P-256, P-384, P-521,
    /// RSA of 2,048 bits or more); nil for any other.
    static func publicKeyInfo(ofPrivateKey der: [UInt8]) -> [UInt8]? {
        if let key = try? P256.Signing.PrivateKey(derRepresentation: der) { return Array(key.publicKey.derRepresentation) }
        if let key = try? P384.Signing.PrivateKey(derRepresentation: der) { return Array(key.publicKey.derRepresentation) }
        if let key = try? P521.Signing.PrivateKey(derRepresentation: der) { return Array(key.publicKey.derRepresentation) }
        if let key = try? _RSA.Signing.PrivateKey(derRepresentation: der) { return Array(key.publicKey.derRepresentation) }
        return nil
    }
}
