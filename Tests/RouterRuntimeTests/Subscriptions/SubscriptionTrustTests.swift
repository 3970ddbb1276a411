import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RouterConfig
import RouterWire
import Testing
import _CryptoExtras
@testable import RouterRuntime
import ThreadTesting

@Suite("Subscription trust")
struct SubscriptionTrustTests {
    static let now: Int64 = 1_795_909_250

    /// A subscribe packet's bytes with the given items, `[u16le len][key][u16le len][value]`.
    static func raw(_ items: [(String, [UInt8])], command: UInt8 = 0) -> [UInt8] {
        var body: [UInt8] = []
        for (key, value) in items {
            body += [UInt8(key.utf8.count & 0xFF), UInt8(key.utf8.count >> 8)] + Array(key.utf8)
            body += [UInt8(value.count & 0xFF), UInt8(value.count >> 8)] + value
        }
        return [224, UInt8(body.count & 0xFF), UInt8(body.count >> 8), command] + body
    }

    /// A packet signed as uWSGI signs: over the bytes after the header through `unix`.
    static func signed(key: String, address: String, unix: UInt64, with privateKey: _RSA.Signing.PrivateKey) throws -> [UInt8] {
        let items: [(String, [UInt8])] = [("key", Array(key.utf8)), ("address", Array(address.utf8)), ("unix", Array(String(unix).utf8))]
        let unsigned = raw(items)
        let signature = try privateKey.signature(for: SHA256.hash(data: Array(unsigned.dropFirst(4))), padding: .insecurePKCS1v1_5)
        return raw(items + [("sign", Array(signature.rawRepresentation))])
    }

    static func datagram(_ bytes: [UInt8], sender: SocketAddress? = nil, credentials: PeerCredentials? = nil) -> SubscriptionDatagram {
        SubscriptionDatagram(bytes: ByteBuffer(bytes: bytes), sender: sender, listener: "test", credentials: credentials)
    }

    static func check(_ trust: SubscriptionTrust, _ bytes: [UInt8], sender: SocketAddress? = nil, credentials: PeerCredentials? = nil) throws -> Bool {
        let datagram = datagram(bytes, sender: sender, credentials: credentials)
        try trust.checkSender(datagram)
        return try trust.check(try SubscriptionPacket(decoding: datagram.bytes), datagram: datagram)
    }

    @Test("signatures: the right key passes; another key, no signature, a moved sign item or a stale stamp are dropped by reason",
          .ownThread)
    func signatures() throws {
        let dir = try makeTempDirectory()
        defer { removeDirectory(dir) }
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let other = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        try key.publicKey.pemRepresentation.write(toFile: "\(dir)/app.local.pem", atomically: true, encoding: .utf8)
        try key.publicKey.pemRepresentation.write(toFile: "\(dir)/a_b.pem", atomically: true, encoding: .utf8)
        var trust = SubscriptionTrust()
        trust.signatures = SubscriptionSignatureCheck(digest: .sha256, directory: dir, toleranceSeconds: 60, wallClock: { Self.now })
        #expect(trust.signatures?.keyFile(for: "a/b") == "\(dir)/a_b.pem")

        #expect(try Self.check(trust, try Self.signed(key: "app.local", address: "127.0.0.1:1", unix: UInt64(Self.now), with: key)))
        #expect(try Self.check(trust, try Self.signed(key: "a/b", address: "127.0.0.1:1", unix: UInt64(Self.now), with: key)))

        func reason(_ bytes: [UInt8]) -> SubscriptionDropReason? {
            do { _ = try Self.check(trust, bytes) } catch let dropped as SubscriptionDropped { return dropped.reason } catch { return nil }
            return nil
        }
        #expect(reason(try Self.signed(key: "app.local", address: "127.0.0.1:1", unix: UInt64(Self.now), with: other)) == .badSignature)
        #expect(reason(Self.raw([("key", Array("app.local".utf8)), ("address", Array("127.0.0.1:1".utf8))])) == .unsigned)
        #expect(reason(try Self.signed(key: "app.local", address: "127.0.0.1:1", unix: UInt64(Self.now - 61), with: key)) == .staleStamp)
        #expect(reason(try Self.signed(key: "app.local", address: "127.0.0.1:1", unix: UInt64(Self.now + 61), with: key)) == .staleStamp)
        #expect(reason(try Self.signed(key: "nokey.local", address: "127.0.0.1:1", unix: UInt64(Self.now), with: key)) == .badSignature)
        // Tampering with the signed part (the address) breaks the signature.
        var tampered = try Self.signed(key: "app.local", address: "127.0.0.1:1", unix: UInt64(Self.now), with: key)
        tampered[tampered.firstIndex(of: UInt8(ascii: "1"))!] = UInt8(ascii: "2")
        #expect(reason(tampered) == .badSignature)
        // `sign` must be the last item: one after it leaves the packet unsigned.
        let good = try Self.signed(key: "app.local", address: "127.0.0.1:1", unix: UInt64(Self.now), with: key)
        var trailing = good + [6, 0] + Array("weight".utf8) + [1, 0, UInt8(ascii: "2")]
        trailing[1] = UInt8((trailing.count - 4) & 0xFF); trailing[2] = UInt8((trailing.count - 4) >> 8)
        #expect(reason(trailing) == .unsigned)
    }

    @Test("sender allow-list: UDP senders outside every range are dropped; unix senders are not IP senders")
    func senders() throws {
        var trust = SubscriptionTrust()
        trust.allowedSources = [try AddressRange(parsing: "10.0.0.0/8"), try AddressRange(parsing: "::1")]
        let bytes = Self.raw([("key", Array("k".utf8)), ("address", Array("127.0.0.1:1".utf8))])
        #expect(throws: SubscriptionDropped.self) { try Self.check(trust, bytes, sender: try SocketAddress(ipAddress: "192.168.1.5", port: 9)) }
        #expect(try !Self.check(trust, bytes, sender: try SocketAddress(ipAddress: "10.20.30.40", port: 9)))
        #expect(try !Self.check(trust, bytes, sender: try SocketAddress(ipAddress: "::1", port: 9)))
        #expect(try !Self.check(trust, bytes, sender: try SocketAddress(ipAddress: "::ffff:10.1.1.1", port: 9)))
        #expect(try !Self.check(trust, bytes, sender: nil))
        #expect(throws: RuntimeError.self) { try AddressRange(parsing: "10.0.0.0/33") }
        #expect(throws: RuntimeError.self) { try AddressRange(parsing: "example.com/8") }
    }

    @Test("node allow-list: a spoofed announce cannot point at a socket outside the allowed prefixes", arguments: [
        ("/run/uwsgi/app.sock", true), ("/var/run/docker.sock", false), ("/run/uwsgi/../../var/run/docker.sock", false),
        ("10.1.2.3:3031", true), ("10.1.2.3", true), ("192.168.0.1:3031", false), (":3031", false),
        ("@app-1", true), ("@docker", false), ("backend.internal:3031", false), ("[fd00::1]:3031", true),
    ])
    func nodeAddresses(address: String, allowed: Bool) throws {
        let rules = try ["/run/uwsgi/", "@app-", "10.0.0.0/8", "fd00::/8"].map { text throws(RuntimeError) in try NodeAddressRule(parsing: text) }
        // "10.1.2.3" has no colon, so uWSGI reads it as a unix path: outside /run/uwsgi/.
        let expected = address == "10.1.2.3" ? false : allowed
        #expect((NodeAddressRule.refusal(of: address, rules: rules) == nil) == expected)
    }

    @Test("credentials: the key's file in a credentials directory must belong to the sender")
    func credentials() throws {
        let dir = try makeTempDirectory()
        defer { removeDirectory(dir) }
        #expect(FileManager.default.createFile(atPath: "\(dir)/app.local", contents: Data()))
        var trust = SubscriptionTrust()
        trust.credentialDirectories = [dir + "/"]
        let bytes = Self.raw([("key", Array("app.local".utf8)), ("address", Array("/run/app.sock".utf8))])
        let me = PeerCredentials(pid: 1, uid: UInt32(geteuid()), gid: UInt32(getegid()))
        #expect(try !Self.check(trust, bytes, credentials: me))
        #expect(throws: SubscriptionDropped.self) { try Self.check(trust, bytes, credentials: PeerCredentials(pid: 1, uid: 4242, gid: 4242)) }
        #expect(throws: SubscriptionDropped.self) { try Self.check(trust, bytes, credentials: nil) }
        let escaping = Self.raw([("key", Array("../x".utf8)), ("address", Array("/run/app.sock".utf8))])
        #expect(throws: SubscriptionDropped.self) { try Self.check(trust, escaping, credentials: me) }
    }

    @Test("a unix subscription socket has the configured mode whatever the umask, and passes the sender's credentials")
    func unixSocketModeAndCredentials() async throws {
        let dir = try makeTempDirectory()
        defer { removeDirectory(dir) }
        let previous = umask(0)
        defer { umask(previous) }
        for (name, mode) in [("default.sock", UInt32(0o660)), ("private.sock", UInt32(0o600))] {
            let path = "\(dir)/\(name)"
            let sink = RecordingSink()
            let server = try await SubscriptionServer.bind(
                listeners: [try SocketAddressSpec(parsing: path)], sink: sink, logger: quietLogger,
                unixMode: mode, passCredentials: true)
            var info = stat()
            #expect(lstat(path, &info) == 0 && UInt32(info.st_mode & 0o777) == mode)
            try SubscriptionSender(to: SocketAddressSpec(parsing: path)).send(Array("hello".utf8))
            let datagram = try await sink.next()
            #expect(datagram.credentials?.uid == UInt32(geteuid()))
            #expect(datagram.credentials?.pid == getpid())
            await server.shutdown()
        }
    }

    @Test("an exposed subscription server that trusts everything is reported; loopback, unix or restricted ones are not")
    func exposureWarning() throws {
        let open = SubscriptionTrust()
        let wide = try SocketAddressSpec(parsing: "0.0.0.0:7000")
        #expect(SubscriptionTrust.exposureWarning(listeners: [wide], trust: open)?.contains("anyone who can send it a UDP packet") == true)
        #expect(SubscriptionTrust.exposureWarning(listeners: [try SocketAddressSpec(parsing: "127.0.0.1:7000")], trust: open) == nil)
        #expect(SubscriptionTrust.exposureWarning(listeners: [try SocketAddressSpec(parsing: "/run/sub.sock")], trust: open) == nil)
        var restricted = SubscriptionTrust()
        restricted.allowedNodes = [.pathPrefix("/run/uwsgi/")]
        #expect(SubscriptionTrust.exposureWarning(listeners: [wide], trust: restricted) == nil)
    }

    @Test("host names resolve off the data plane: a lookup never blocks, the answer is cached, failures back off")
    func resolver() throws {
        let lookups = NIOLockedValueBox(0)
        let gate = ConditionLock(value: 0)
        // The resolver's clock stands still unless the test moves it, so the backoff does not
        // depend on how fast this machine runs the test.
        let clock = NIOLockedValueBox(NIODeadline.uptimeNanoseconds(1_000_000_000))
        let resolver = NodeResolver(logger: quietLogger, lookup: { host, port in
            lookups.withLockedValue { $0 += 1 }
            gate.lock(whenValue: 1)
            gate.unlock()
            guard host == "node.test" else { throw EndpointError.unresolvable(host) }
            return try SocketAddress(ipAddress: "127.0.0.1", port: port)
        }, now: { clock.withLockedValue { $0 } })
        // Numeric and unix addresses are ready at once, without the resolver's queue.
        #expect(resolver.endpoint(for: "127.0.0.1:3031") != nil)
        #expect(resolver.endpoint(for: "/run/app.sock") != nil)
        // A host name: the data plane gets nil at once while the lookup is blocked.
        resolver.prepare("node.test:3031")
        #expect(resolver.endpoint(for: "node.test:3031") == nil)
        gate.lock()
        gate.unlock(withValue: 1)
        resolver.waitForQueuedLookups()
        #expect(resolver.isResolved("node.test:3031"))
        #expect(resolver.endpoint(for: "node.test:3031")?.socketAddress.port == 3031)
        resolver.prepare("node.test:3031")
        #expect(lookups.withLockedValue { $0 } == 1, "a fresh answer is not looked up again")
        // A failing name is not looked up again before its backoff (1 s after the first failure)...
        resolver.prepare("missing.test:1")
        resolver.waitForQueuedLookups()
        #expect(lookups.withLockedValue { $0 } == 2)
        clock.withLockedValue { $0 = $0 + .milliseconds(999) }
        for _ in 0..<10 { _ = resolver.endpoint(for: "missing.test:1") }
        resolver.waitForQueuedLookups()
        #expect(lookups.withLockedValue { $0 } == 2)
        // ...and is once the backoff has passed.
        clock.withLockedValue { $0 = $0 + .milliseconds(1) }
        #expect(resolver.endpoint(for: "missing.test:1") == nil)
        resolver.waitForQueuedLookups()
        #expect(lookups.withLockedValue { $0 } == 3)
    }
}
