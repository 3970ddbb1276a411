import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import RouterConfig
import RouterWire
import _CryptoExtras

/// `--subscriptions-sign-check DIGEST:DIR`: verifies uWSGI's signed subscriptions. The signature is RSA PKCS#1 v1.5 with DIGEST over the datagram from just after the
/// header through the end of the `unix` item, and `sign` must be the last item; the public key
/// of key K is `DIR/K'.pem` (K with every byte outside `[A-Za-z0-9._-]` turned into `_`).
///
/// The `unix` stamp must lie within the tolerance of the router's clock (both ways; uWSGI only
/// checks the past). That a stamp is newer than the node's last one is the table's check.
public final class SubscriptionSignatureCheck: Sendable {
    /// A digest uWSGI senders name in `sign=DIGEST:key.pem`.
    public enum Digest: String, Sendable, CaseIterable {
        /// SHA-1 (uWSGI's documentation example; weak, kept for compatibility).
        case sha1 = "SHA1"
        /// SHA-256.
        case sha256 = "SHA256"
        /// SHA-384.
        case sha384 = "SHA384"
        /// SHA-512.
        case sha512 = "SHA512"

        /// Parses a digest name as OpenSSL spells it, any case (`sha256`, `SHA256`).
        public init(name: String) throws(RuntimeError) {
            let upper = name.uppercased().replacingOccurrences(of: "-", with: "")
            guard let digest = Digest(rawValue: upper) else {
                throw .invalidAddress(name, expected: "a digest: one of \(Digest.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self = digest
        }
    }

    /// The most public keys kept in memory; past it the cache starts again.
    static let keyCacheLimit = 4096

    /// The digest every signature must use.
    public let digest: Digest
    /// The directory of `<key>.pem` public keys.
    public let directory: String
    /// How far a `unix` stamp may be from the router's clock, in seconds.
    public let toleranceSeconds: Int64
    private let wallClock: @Sendable () -> Int64
    private let keys = NIOLockedValueBox<[String: _RSA.Signing.PublicKey]>([:])

    /// Creates the check; `wallClock` gives epoch seconds (injected in tests).
    public init(
        digest: Digest, directory: String, toleranceSeconds: Int64,
        wallClock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        self.digest = digest
        self.directory = directory
        self.toleranceSeconds = toleranceSeconds
        self.wallClock = wallClock
    }

    /// The public key file of subscription key `key`, as uWSGI names it.
    public func keyFile(for key: String) -> String {
        let safe = key.utf8.map { byte -> Character in
            let allowed = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            return allowed ? Character(Unicode.Scalar(byte)) : "_"
        }
        let separator = directory.hasSuffix("/") ? "" : "/"
        return directory + separator + String(safe) + ".pem"
    }

    /// Verifies `packet`, decoded from `datagram`; throws `SubscriptionDropped` when unsigned,
    /// badly signed, or stamped outside the tolerance.
    public func verify(_ packet: SubscriptionPacket, datagram: ByteBuffer) throws(SubscriptionDropped) {
        guard let signature = packet.sign, packet.itemOrder.last == "sign" else {
            throw SubscriptionDropped(.unsigned, "key \(packet.key) node \(packet.address): no sign item at the end of the packet")
        }
        guard let stamp = packet.unix else {
            throw SubscriptionDropped(.unsigned, "key \(packet.key) node \(packet.address): signed packet without a unix stamp")
        }
        // The signed bytes: after the 4-byte header, up to the final `sign` item
        // (2-byte key length, "sign", 2-byte value length, value).
        let total = datagram.readableBytes
        let (trailer, overflow) = (2 + 4 + 2).addingReportingOverflow(signature.count)
        guard !overflow, total - trailer >= UwsgiHeader.size,
              let signed = datagram.getBytes(at: datagram.readerIndex + UwsgiHeader.size, length: total - trailer - UwsgiHeader.size)
        else {
            throw SubscriptionDropped(.badSignature, "key \(packet.key): the sign item does not fit the datagram")
        }
        let publicKey = try publicKey(for: packet.key)
        guard isValid(signature: signature, for: signed, key: publicKey) else {
            throw SubscriptionDropped(.badSignature, "key \(packet.key) node \(packet.address): the \(digest.rawValue) signature does not verify with \(keyFile(for: packet.key))")
        }
        let now = wallClock()
        guard let signedAt = Int64(exactly: stamp), signedAt >= now - toleranceSeconds, signedAt <= now + toleranceSeconds else {
            throw SubscriptionDropped(.staleStamp, "key \(packet.key) node \(packet.address): unix \(stamp) is more than \(toleranceSeconds) s from now (\(now))")
        }
    }

    private func isValid(signature: [UInt8], for signed: [UInt8], key: _RSA.Signing.PublicKey) -> Bool {
        let rsa = _RSA.Signing.RSASignature(rawRepresentation: signature)
        switch digest {
        case .sha1: return key.isValidSignature(rsa, for: Insecure.SHA1.hash(data: signed), padding: .insecurePKCS1v1_5)
        case .sha256: return key.isValidSignature(rsa, for: SHA256.hash(data: signed), padding: .insecurePKCS1v1_5)
        case .sha384: return key.isValidSignature(rsa, for: SHA384.hash(data: signed), padding: .insecurePKCS1v1_5)
        case .sha512: return key.isValidSignature(rsa, for: SHA512.hash(data: signed), padding: .insecurePKCS1v1_5)
        }
    }

    /// The key's public key, read once from its file.
    private func publicKey(for key: String) throws(SubscriptionDropped) -> _RSA.Signing.PublicKey {
        if let known = keys.withLockedValue({ $0[key] }) { return known }
        let path = keyFile(for: key)
        let pem: String
        do {
            pem = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SubscriptionDropped(.badSignature, "key \(key): no readable public key at \(path)")
        }
        let publicKey: _RSA.Signing.PublicKey
        do {
            publicKey = try RSAPublicKeyPEM.read(pem)
        } catch {
            throw SubscriptionDropped(.badSignature, "key \(key): \(path) is not an RSA public key of at least 2048 bits in PEM form (\(error))")
        }
        keys.withLockedValue { cache in
            if cache.count >= Self.keyCacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[key] = publicKey
        }
        return publicKey
    }
}
