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

    /// Compares `key` with the public key of `certificate`.
    static func check(key: NIOSSLPrivateKey, certificate: NIOSSLCertificate) -> KeyPairCheck {
        guard let keyDER = try? key.derBytes,
              let spki = try? certificate.extractPublicKey().toSPKIBytes() else { return .unknown }
        let keyBytes = keyDER
        // Each reader: nil when the key is not of its type, else the key's public half and the
        // certificate's (nil when the certificate's key is of another type), in one canonical form.
        let readers: [([UInt8], [UInt8]) -> ([UInt8], [UInt8]?)?] = [
            { key, spki in
                guard let key = try? P256.Signing.PrivateKey(derRepresentation: key) else { return nil }
                return (Array(key.publicKey.x963Representation),
                        (try? P256.Signing.PublicKey(derRepresentation: spki)).map { Array($0.x963Representation) })
            },
            { key, spki in
                guard let key = try? P384.Signing.PrivateKey(derRepresentation: key) else { return nil }
                return (Array(key.publicKey.x963Representation),
                        (try? P384.Signing.PublicKey(derRepresentation: spki)).map { Array($0.x963Representation) })
            },
            { key, spki in
                guard let key = try? P521.Signing.PrivateKey(derRepresentation: key) else { return nil }
                return (Array(key.publicKey.x963Representation),
                        (try? P521.Signing.PublicKey(derRepresentation: spki)).map { Array($0.x963Representation) })
            },
            { key, spki in
                guard let key = try? _RSA.Signing.PrivateKey(derRepresentation: key) else { return nil }
                return (Array(key.publicKey.pkcs1DERRepresentation),
                        (try? _RSA.Signing.PublicKey(derRepresentation: spki)).map { Array($0.pkcs1DERRepresentation) })
            },
        ]
        for reader in readers {
            guard let (own, certified) = reader(keyBytes, spki) else { continue }
            return own == certified ? .matches : .mismatch
        }
        return .unknown
    }
}
