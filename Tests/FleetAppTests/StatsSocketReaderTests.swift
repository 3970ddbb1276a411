import FleetModel
import Foundation
import Glibc
import RouterWire
import Testing
@testable import FleetApp

/// A one-connection loopback server: accepts once, sends `reply` (unless `hang`: then it holds
/// the connection until the client closes it). Only its thread closes the listening socket,
/// so a descriptor number is never reused under it.
private final class OneShotServer: @unchecked Sendable {
    // @unchecked: `descriptor` and `port` are set in init and only read afterwards.
    let port: UInt16
    private let descriptor: Int32

    init(reply: [UInt8], hang: Bool = false, readRequest: Bool = false) {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        listen(listener, 4)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        descriptor = listener
        Thread {
            let client = accept(listener, nil, nil)
            Glibc.close(listener)
            guard client >= 0 else { return }
            if readRequest {
                var buffer = [UInt8](repeating: 0, count: 4096)
                _ = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            }
            if hang {
                // Held open until the client gives up and closes its end.
                var buffer = [UInt8](repeating: 0, count: 16)
                _ = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            } else {
                _ = reply.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
            Glibc.close(client)
        }.start()
    }

    /// Wakes the thread if it is still waiting for a connection.
    func close() {
        shutdown(descriptor, Int32(SHUT_RDWR))
    }
}

@Suite("Stats reader on loopback: good, refused, hanging, garbage, half a document")
struct StatsSocketReaderTests {
    private let sample = CannedFleets.uwsgiHTTPAfterRequests()

    private func poll(_ address: StatsAddress, timeout: Double = 2) async -> Result<StatsDocument, any Error> {
        let control = SocketStatsControl(timeout: timeout)
        do {
            return .success(try await control.poll(RouterEndpoint(name: "r", stats: address)))
        } catch {
            return .failure(error)
        }
    }

    @Test("a raw stats server's document is read and decoded")
    func good() async throws {
        let server = OneShotServer(reply: sample.encodeJSON(style: .pretty))
        defer { server.close() }
        let document = try await poll(.tcp(host: "127.0.0.1", port: server.port)).get()
        #expect(document == sample)
    }

    @Test("an http:// stats server gets a GET and its body is decoded")
    func http() async throws {
        let body = sample.encodeJSON()
        let reply = Array("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n".utf8) + body
        let server = OneShotServer(reply: reply, readRequest: true)
        defer { server.close() }
        let document = try await poll(.http(host: "127.0.0.1", port: server.port, path: "/")).get()
        #expect(document == sample)
    }

    @Test("a non-200 HTTP reply is an error quoting the status line")
    func httpStatus() async {
        let server = OneShotServer(reply: Array("HTTP/1.0 404 Not Found\r\n\r\n".utf8), readRequest: true)
        defer { server.close() }
        let result = await poll(.http(host: "127.0.0.1", port: server.port, path: "/x"))
        #expect(message(result).contains("HTTP reply 'HTTP/1.0 404 Not Found', expected 200"))
    }

    @Test("a refused connection names the address")
    func refused() async {
        // A bound socket that never listens: connections to its port are refused.
        let bound = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(bound) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(bound, $0, length) == 0 && getsockname(bound, $0, &length) == 0 }
        }
        let port = UInt16(bigEndian: address.sin_port)
        let result = await poll(.tcp(host: "127.0.0.1", port: port))
        #expect(message(result) == "127.0.0.1:\(port): Connection refused")
    }

    @Test("a server that never sends times out within the limit")
    func hang() async {
        let server = OneShotServer(reply: [], hang: true)
        defer { server.close() }
        let result = await poll(.tcp(host: "127.0.0.1", port: server.port), timeout: 0.3)
        #expect(message(result) == "127.0.0.1:\(server.port): read timed out")
    }

    @Test("garbage and half a document are errors, not crashes", arguments: [
        Array("hello, this is not JSON".utf8),
        Array(CannedFleets.uwsgiHTTPAfterRequests().encodeJSON().prefix(200)),
        [UInt8](),
    ])
    func garbage(bytes: [UInt8]) async {
        let server = OneShotServer(reply: bytes)
        defer { server.close() }
        let result = await poll(.tcp(host: "127.0.0.1", port: server.port))
        #expect(message(result).hasPrefix("127.0.0.1:\(server.port): not a stats document"))
    }

    @Test("a missing unix socket is an error naming its path")
    func missingUnixSocket() async {
        let result = await poll(.unix(path: "/nonexistent/fleettop-test.sock"))
        #expect(message(result) == "/nonexistent/fleettop-test.sock: No such file or directory")
    }

    private func message(_ result: Result<StatsDocument, any Error>) -> String {
        switch result {
        case .success: return "success"
        case let .failure(error): return String(describing: error)
        }
    }
}
