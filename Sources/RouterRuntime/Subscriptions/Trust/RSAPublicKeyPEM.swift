import _CryptoExtras
import SwiftASN1

/// Reads an RSA public key from PEM (`PUBLIC KEY`, a SubjectPublicKeyInfo, or PKCS#1's
/// `RSA PUBLIC KEY`) by taking its modulus and exponent out with SwiftASN1 and building the key
/// from them.
///
/// Why not `_RSA.Signing.PublicKey(pemRepresentation:)`: when the bytes are not an RSA key (an
/// EC key in the sign-check directory, a damaged file), swift-crypto's initialiser frees its
/// key and then frees it again in `deinit`, which corrupts the heap (ThreadSanitizer aborts on
/// it). Built from `n` and `e`, a refused key is freed once.
enum RSAPublicKeyPEM {
    /// What is wrong with a key text.
    struct Refusal: Error, CustomStringConvertible {
        /// The reason, for the log line that names the file.
        let description: String
    }

    /// rsaEncryption, 1.2.840.113549.1.1.1.
    private static let rsaEncryption: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 1]

    /// The key `pem` holds; a refusal says what it holds instead.
    static func read(_ pem: String) throws(Refusal) -> _RSA.Signing.PublicKey {
        let (n, e) = try modulusAndExponent(pem)
        do {
            return try _RSA.Signing.PublicKey(n: n, e: e)
        } catch {
            throw Refusal(description: "an RSA key swift-crypto refuses (\(error))")
        }
    }

    /// The modulus and public exponent, as unsigned big-endian bytes.
    static func modulusAndExponent(_ pem: String) throws(Refusal) -> (n: ArraySlice<UInt8>, e: ArraySlice<UInt8>) {
        let document: PEMDocument
        do {
            document = try PEMDocument(pemString: pem)
        } catch {
            throw Refusal(description: "not PEM")
        }
        do {
            switch document.discriminator {
            case "PUBLIC KEY":
                let node = try DER.parse(document.derBytes)
                let keyBits: ArraySlice<UInt8> = try DER.sequence(node, identifier: .sequence) { nodes in
                    guard let algorithmNode = nodes.next() else { throw Refusal(description: "an empty SubjectPublicKeyInfo") }
                    let algorithm = try DER.sequence(algorithmNode, identifier: .sequence) { inner in
                        let identifier = try ASN1ObjectIdentifier(derEncoded: &inner)
                        while inner.next() != nil {}  // the parameters (NULL for RSA)
                        return identifier
                    }
                    guard algorithm == rsaEncryption else { throw Refusal(description: "a \(algorithm) key, not RSA") }
                    let bits = try ASN1BitString(derEncoded: &nodes)
                    guard bits.paddingBits == 0 else { throw Refusal(description: "a key whose bit string is not whole bytes") }
                    return bits.bytes
                }
                return try pkcs1(try DER.parse(keyBits))
            case "RSA PUBLIC KEY":
                return try pkcs1(try DER.parse(document.derBytes))
            default:
                throw Refusal(description: "a \(document.discriminator) block, not a public key")
            }
        } catch let refusal as Refusal {
            throw refusal
        } catch {
            throw Refusal(description: "a public key that is not well-formed DER (\(error))")
        }
    }

    /// PKCS#1 RSAPublicKey: SEQUENCE { modulus INTEGER, publicExponent INTEGER }.
    private static func pkcs1(_ node: ASN1Node) throws -> (n: ArraySlice<UInt8>, e: ArraySlice<UInt8>) {
        try DER.sequence(node, identifier: .sequence) { nodes in
            let n = try ArraySlice<UInt8>(derEncoded: &nodes)
            let e = try ArraySlice<UInt8>(derEncoded: &nodes)
            return (n, e)
        }
    }
}
