import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import ProcessTesting
import RouterConfig
import Synchronization
import Testing
@testable import RouterRuntime

/// Reloads, failure reasons and session resumption on a loopback HTTPS listener: the router's
/// TLS layer in front of the HTTP machine and a fake uwsgi node.
@Suite("TLS reloads, failure reasons and sessions over loopback")
struct TLSReloadListenerTests {
    /// The HTTPS protocol over `contexts`, with its counters.
    static func router(_ contexts: TLSContextStore, keepalive: Bool = true) -> (kind: ClientProtocol, counters: TLSCounters) {
        var options = HTTPRouterOptions()
        options.keepalive = keepalive
        var machine = TLSAcceptStateMachine.Configuration()
        machine.answersPlaintextHTTP = true
        let counters = TLSCounters()
        let layer = TLSLayer(contexts: contexts, machine: machine, facts: { HTTPSClientCertificateVars.facts($0, exportPEM: false) },
                             counters: counters, logger: RouterHarness.quietLogger)
        return (ClientProtocol.http(options).layered(layer), counters)
    }

    /// Opens a TLS connection (trusting the test CA) and sends `request`; `recorder` keeps the
    /// certificate the server presented (read at the handshake, before any close).
    static func connect(
        port: Int, context: NIOSSLContext, request: String, recorder: PeerCertificateRecorder = PeerCertificateRecorder()
    ) async throws -> TestClient.Connection {
        try await TestClient.connect(
            try SocketAddressSpec(parsing: "127.0.0.1:\(port)"), group: RouterHarness.group, request: request, timeout: .seconds(30)
        ) { channel in
            try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: nil))
            try channel.pipeline.syncOperations.addHandler(recorder)
        }
    }

    /// How many whole `Content-Length` responses `bytes` holds.
    static func completeResponses(_ bytes: [UInt8]) -> Int {
        var text = Substring(String(decoding: bytes, as: UTF8.self))
        var count = 0
        while let head = text.range(of: "\r\n\r\n") {
            let header = text[..<head.lowerBound].lowercased()
            guard let line = header.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
                  let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) else { return count }
            let body = text[head.upperBound...]
            guard body.utf8.count >= length else { return count }
            count += 1
            text = body.dropFirst(length)
        }
        return count
    }

    @Test("a reload keeps an open keep-alive TLS connection working; new connections see the new certificate; a broken file keeps the old context")
    func reloadWithOpenConnection() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        try certificates.issue(name: "soon", subject: "/CN=localhost", extensions: "subjectAltName=DNS:localhost,IP:127.0.0.1", days: 3)
        let live = try TLSOperationsTests.liveFiles(certificates)
        let contexts = try TLSContextStore(
            material: try TLSContextMaterial(certificateFile: live.certificate, keyFile: live.key, ciphers: nil, clientCAFile: nil),
            alpn: ["http/1.1"], registry: nil)
        let router = Self.router(contexts)
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let original = try NIOSSLCertificate.fromPEMFile(certificates.serverCertificate)[0]
        let renewed = try NIOSSLCertificate.fromPEMFile(certificates.directory + "/soon.crt")[0]
        let client = try HTTPSListenerTests.clientContext(certificates, withCertificate: false)
        let outcome = try await RouterHarness.withRouter(router.kind, nodes: [node.port], transport: .nio) { port, _, _ in
            let openRecorder = PeerCertificateRecorder()
            let open = try await Self.connect(port: port, context: client, request: "GET /1 HTTP/1.1\r\nHost: app.local\r\n\r\n",
                                              recorder: openRecorder)
            let first = try await HTTPSListenerTests.eventually(20) { Self.completeResponses(open.received) == 1 }
            let before = openRecorder.certificate.withLock { $0 }

            try TLSOperationsTests.overwrite(live.certificate, with: certificates.directory + "/soon.crt")
            try TLSOperationsTests.overwrite(live.key, with: certificates.directory + "/soon.key")
            try contexts.reload()

            try await open.send("GET /2 HTTP/1.1\r\nHost: app.local\r\nConnection: close\r\n\r\n")
            let kept = try await open.result()
            let freshRecorder = PeerCertificateRecorder()
            let freshResult = try await Self.connect(
                port: port, context: client, request: "GET /3 HTTP/1.1\r\nHost: app.local\r\nConnection: close\r\n\r\n", recorder: freshRecorder
            ).result()
            let after = freshRecorder.certificate.withLock { $0 }

            // A broken key: the reload is refused and the renewed context keeps serving.
            try TLSOperationsTests.overwrite(live.key, with: certificates.otherKey)
            let refusal = #expect(throws: TLSMaterialError.self) { try contexts.reload() }
            let thirdRecorder = PeerCertificateRecorder()
            let thirdResult = try await Self.connect(
                port: port, context: client, request: "GET /4 HTTP/1.1\r\nHost: app.local\r\nConnection: close\r\n\r\n", recorder: thirdRecorder
            ).result()
            let stillRenewed = thirdRecorder.certificate.withLock { $0 }
            return (first, before, kept, after, freshResult, refusal, stillRenewed, thirdResult)
        }
        #expect(outcome.0)
        #expect(outcome.1 == original)
        #expect(Self.completeResponses(outcome.2.bytes) == 2, "\(outcome.2.text)")
        #expect(outcome.3 == renewed)
        #expect(outcome.4.text.hasPrefix("HTTP/1.1 200"))
        #expect(outcome.5?.file == live.key)
        #expect(outcome.6 == renewed)
        #expect(outcome.7.text.hasPrefix("HTTP/1.1 200"))
        #expect(router.counters.handshakes.load(ordering: .relaxed) == 3)
    }

    @Test("failed handshakes are counted by reason: no client certificate, one the CA did not sign")
    func failureReasons() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let contexts = try TLSContextStore(
            material: try TLSContextMaterial(certificateFile: certificates.serverCertificate, keyFile: certificates.serverKey, ciphers: nil,
                                             clientCAFile: "!" + certificates.caCertificate),
            alpn: ["http/1.1"], registry: nil)
        let router = Self.router(contexts, keepalive: false)
        var foreign = TLSConfiguration.makeClientConfiguration()
        foreign.trustRoots = .file(certificates.caCertificate)
        foreign.certificateVerification = .noHostnameVerification
        foreign.certificateChain = [.certificate(try NIOSSLCertificate.fromPEMFile(certificates.otherCertificate)[0])]
        foreign.privateKey = .privateKey(try NIOSSLPrivateKey(file: certificates.otherKey, format: .pem))
        let foreignContext = try NIOSSLContext(configuration: foreign)
        let bare = try HTTPSListenerTests.clientContext(certificates, withCertificate: false)
        let counted = try await RouterHarness.withRouter(router.kind, nodes: [1], transport: .nio) { port, _, _ in
            let request = "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
            _ = try? await Self.connect(port: port, context: bare, request: request).result()
            _ = try? await Self.connect(port: port, context: foreignContext, request: request).result()
            return try await HTTPSListenerTests.eventually(20) {
                router.counters[.noCertificate] == 1 && router.counters[.badCertificate] == 1
            }
        }
        #expect(counted, "\(router.counters.byReason)")
        #expect(router.counters[.protocol] == 0)
        #expect(router.counters.handshakes.load(ordering: .relaxed) == 0)
    }

    /// Runs `openssl s_client` against `port` with stdin empty and returns its output.
    static func sClient(port: Int, certificates: TestCertificates, _ extra: [String]) async throws -> String {
        let arguments = ["s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", certificates.caCertificate] + extra
        let directory = certificates.directory
        return try await RouterHarness.blocking {
            try SpawnedProcess.run("/usr/bin/openssl", arguments, directory: directory, output: .separate).output
        }
    }

    @Test("TLS 1.2 sessions resume (ticket and session-id cache) until --ssl-sessions-timeout renews the context", arguments: [false, true])
    func sessionResumption(sessionIDOnly: Bool) async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let clock = ManualDeadline()
        let contexts = try TLSContextStore(
            material: try TLSContextMaterial(certificateFile: certificates.serverCertificate, keyFile: certificates.serverKey, ciphers: nil,
                                             clientCAFile: nil),
            alpn: ["http/1.1"], registry: nil, sessionTimeout: .seconds(300), now: { clock.now })
        let router = Self.router(contexts, keepalive: false)
        let session = certificates.directory + "/session.pem"
        let common = ["-tls1_2"] + (sessionIDOnly ? ["-no_ticket"] : [])
        let (first, resumed, renewed) = try await RouterHarness.withRouter(router.kind, nodes: [1], transport: .nio) { port, _, _ in
            let first = try await Self.sClient(port: port, certificates: certificates, common + ["-sess_out", session])
            clock.advance(.seconds(299))
            let resumed = try await Self.sClient(port: port, certificates: certificates, common + ["-sess_in", session])
            clock.advance(.seconds(1))
            let renewed = try await Self.sClient(port: port, certificates: certificates, common + ["-sess_in", session])
            return (first, resumed, renewed)
        }
        #expect(first.contains("New, TLSv1.2"), "\(first)")
        #expect(resumed.contains("Reused, TLSv1.2"), "\(resumed)")
        #expect(renewed.contains("New, TLSv1.2"), "\(renewed)")
    }
}

/// Keeps the server certificate of a TLS client connection when its handshake completes.
final class PeerCertificateRecorder: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The server's certificate, once the handshake completed.
    let certificate = Mutex<NIOSSLCertificate?>(nil)

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
            let peer = try? context.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self).peerCertificate
            certificate.withLock { $0 = peer }
        }
        context.fireUserInboundEventTriggered(event)
    }
}
