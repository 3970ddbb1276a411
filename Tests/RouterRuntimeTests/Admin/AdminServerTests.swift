import CNIOLinux
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import ProcessTesting
import Testing
@testable import RouterRuntime
import Logging

/// A handler that records calls and answers `/state` (GET) and `/drain` (POST); else 404.
final class RecordingAdminHandler: AdminHandler {
    private let box = NIOLockedValueBox<[AdminCall]>([])
    var calls: [AdminCall] { box.withLockedValue { $0 } }

    func handle(_ call: AdminCall) async -> AdminReply {
        box.withLockedValue { $0.append(call) }
        switch (call.method, call.path) {
        case (.GET, "/state"), (.HEAD, "/state"):
            return AdminReply(status: .ok, body: ByteBuffer(string: #"{"nodes":[]}"#))
        case (.POST, "/drain"):
            return AdminReply(status: .ok, body: ByteBuffer(string: #"{"drained":true}"#), summary: "drained \(String(buffer: call.body))")
        default:
            return AdminReply(status: .notFound, body: errorBody(status: .notFound, message: "no route \(call.path)", allocator: .init()))
        }
    }
}

/// One parsed HTTP response from a byte stream.
struct ParsedResponse {
    var status: Int
    var headers: [String: String]
    var body: String
}

/// Splits a stream of HTTP/1.1 responses (each with Content-Length).
func parseResponses(_ text: String) -> [ParsedResponse] {
    var rest = Substring(text)
    var out: [ParsedResponse] = []
    for _ in 0..<10 {
        guard let end = rest.range(of: "\r\n\r\n") else { break }
        let lines = rest[..<end.lowerBound].components(separatedBy: "\r\n")
        let status = Int(lines[0].split(separator: " ").dropFirst().first ?? "") ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        let bodyStart = end.upperBound
        let bodyEnd = rest.utf8.index(bodyStart, offsetBy: length, limitedBy: rest.utf8.endIndex) ?? rest.endIndex
        out.append(ParsedResponse(status: status, headers: headers, body: String(rest[bodyStart..<bodyEnd])))
        rest = rest[bodyEnd...]
    }
    return out
}

@Suite("AdminServer")
struct AdminServerTests {
    static let token = "t0ken-\(UInt32.random(in: 0...UInt32.max))"

    /// Runs `body` against a TCP admin server with the token configured.
    func withServer(
        listener: String = "127.0.0.1:0",
        token: String? = AdminServerTests.token,
        logs: CapturedLogs = CapturedLogs(),
        _ body: (AdminServer, RecordingAdminHandler, any EventLoopGroup) async throws -> Void
    ) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let handler = RecordingAdminHandler()
        let server = try await AdminServer.bind(
            .init(listener: try SocketAddressSpec(parsing: listener)), token: try token.map { try AdminToken($0) },
            handler: handler, group: group, logger: logs.logger())
        try await body(server, handler, group)
        await server.shutdown()
        try await group.shutdownGracefully()
    }

    func request(_ method: String, _ path: String, body: String = "", auth: String? = nil, close: Bool = true) -> String {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: admin\r\nContent-Length: \(body.utf8.count)\r\n"
        if let auth { text += "Authorization: \(auth)\r\n" }
        if close { text += "Connection: close\r\n" }
        return text + "\r\n" + body
    }

    @Test("GET is open (unauthenticated), and keep-alive serves two requests on one connection")
    func getOpenAndKeepAlive() async throws {
        try await withServer { server, handler, group in
            let result = try await TestClient.exchange(
                server.listener.boundAddress, group: group,
                request: request("GET", "/state", close: false) + request("GET", "/state?verbose=1"))
            let responses = parseResponses(result.text)
            #expect(responses.map(\.status) == [200, 200])
            #expect(responses.first?.headers["connection"] == "keep-alive")
            #expect(responses.first?.body == #"{"nodes":[]}"#)
            #expect(handler.calls.count == 2)
            #expect(handler.calls.allSatisfy { !$0.authenticated })
            #expect(handler.calls.last?.query == "verbose=1")
        }
    }

    @Test("POST without a token: 401 with WWW-Authenticate and a JSON body; handler not called")
    func postWithoutToken() async throws {
        try await withServer { server, handler, group in
            let result = try await TestClient.exchange(server.listener.boundAddress, group: group, request: request("POST", "/drain", body: "x"))
            let response = try #require(parseResponses(result.text).first)
            #expect(response.status == 401)
            #expect(response.headers["www-authenticate"] == "Bearer")
            #expect(response.headers["content-type"] == "application/json")
            #expect(response.body.hasPrefix(#"{"error":"#) && response.body.contains(#""status":401"#))
            #expect(handler.calls.isEmpty)
        }
    }

    @Test("POST with a wrong token: 403, handler not called, refusal logged")
    func postWrongToken() async throws {
        let logs = CapturedLogs()
        try await withServer(logs: logs) { server, handler, group in
            let result = try await TestClient.exchange(
                server.listener.boundAddress, group: group, request: request("POST", "/drain", body: "x", auth: "Bearer nope"))
            #expect(parseResponses(result.text).first?.status == 403)
            #expect(handler.calls.isEmpty)
            #expect(logs.records.contains { $0.message == "admin edit refused" && $0.metadata["status"] == "403" })
        }
    }

    @Test("POST with the right token reaches the handler authenticated and is logged with peer, request, status and result")
    func postRightToken() async throws {
        let logs = CapturedLogs()
        try await withServer(logs: logs) { server, handler, group in
            let result = try await TestClient.exchange(
                server.listener.boundAddress, group: group,
                request: request("POST", "/drain", body: "node1", auth: "Bearer \(Self.token)"))
            #expect(parseResponses(result.text).first?.status == 200)
            let call = try #require(handler.calls.first)
            #expect(call.authenticated && call.method == .POST && String(buffer: call.body) == "node1")
            #expect(call.peer.hasPrefix("127.0.0.1:"))
            let line = try #require(logs.records.first { $0.message == "admin edit" })
            #expect(line.level == .info)
            #expect(line.metadata["request"] == "POST /drain")
            #expect(line.metadata["status"] == "200")
            #expect(line.metadata["result"] == "drained node1")
            #expect(line.metadata["peer"]?.hasPrefix("127.0.0.1:") == true)
            #expect(line.metadata["time"]?.hasSuffix("Z") == true)
        }
    }

    @Test("a unix socket is born 0600 whatever the umask, and trusts a peer by its credentials, not the file's mode")
    func privateUnixSocket() async throws {
        let dir = try makeTempDirectory()
        defer { removeDirectory(dir) }
        chmod(dir, 0o755)
        let path = "\(dir)/admin.sock"
        let previous = umask(0)
        defer { umask(previous) }
        try await withServer(listener: path, token: nil) { server, handler, group in
            var info = stat()
            #expect(lstat(path, &info) == 0 && (info.st_mode & 0o777) == 0o600)
            let result = try await TestClient.exchange(server.listener.boundAddress, group: group, request: request("POST", "/drain", body: "n"))
            #expect(parseResponses(result.text).first?.status == 200)
            #expect(handler.calls.first?.authenticated == true)
            #expect(handler.calls.first?.peer.contains("uid=\(geteuid())") == true)

            // Opened to everyone, the file admits other users, but they are not trusted: the
            // kernel names them. (Needs root to act as another user; skipped otherwise.)
            chmod(path, 0o666)
            guard geteuid() == 0, let status = Self.statusAsNobody(socket: path) else { return }
            #expect(status == 401)
            #expect(handler.calls.count == 1)
        }
        #expect(!isSocketFile(at: path))
    }

    /// The status line's code of a POST /drain sent as uid 65534 over the unix socket `path`
    /// (through `setpriv` and python3); nil when those are not installed.
    static func statusAsNobody(socket path: String) -> Int? {
        let script = """
            import socket,sys
            s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
            s.sendall(b"POST /drain HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 1\\r\\nConnection: close\\r\\n\\r\\nn")
            data=b""
            while True:
                chunk=s.recv(4096)
                if not chunk: break
                data+=chunk
            print(data.split(b" ")[1].decode())
            """
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"),
              let completion = try? SpawnedProcess.run(
                "/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", script, path],
                output: .separate) else { return nil }
        return Int(completion.output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test("an oversize body gets 413 without reaching the handler", arguments: [true, false])
    func oversizeBody(declared: Bool) async throws {
        try await withServer { server, handler, group in
            let big = String(repeating: "a", count: 64 * 1024 + 1)
            let text: String
            if declared {
                text = request("POST", "/drain", body: big, auth: "Bearer \(Self.token)")
            } else {
                // Chunked: the size is only known while reading.
                text = "POST /drain HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer \(Self.token)\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "\(String(big.utf8.count, radix: 16))\r\n\(big)\r\n0\r\n\r\n"
            }
            let result = try await TestClient.exchange(server.listener.boundAddress, group: group, request: text)
            let response = try #require(parseResponses(result.text).first)
            #expect(response.status == 413)
            #expect(response.body.contains(#""status":413"#))
            #expect(handler.calls.isEmpty)
        }
    }

    @Test("unknown routes pass to the handler, which answers 404; unknown methods get 405; garbage gets 400")
    func errorStatuses() async throws {
        try await withServer { server, handler, group in
            let unknown = try await TestClient.exchange(server.listener.boundAddress, group: group, request: request("GET", "/nope"))
            #expect(parseResponses(unknown.text).first?.status == 404)
            #expect(handler.calls.map(\.path) == ["/nope"])

            let method = try await TestClient.exchange(server.listener.boundAddress, group: group, request: request("OPTIONS", "/state"))
            let methodResponse = try #require(parseResponses(method.text).first)
            #expect(methodResponse.status == 405)
            #expect(methodResponse.headers["allow"]?.contains("POST") == true)

            let garbage = try await TestClient.exchange(server.listener.boundAddress, group: group, request: "NOT HTTP AT ALL\r\n\r\n")
            let garbageResponse = try #require(parseResponses(garbage.text).first)
            #expect(garbageResponse.status == 400)
            #expect(garbageResponse.body.contains(#""status":400"#))
            #expect(handler.calls.count == 1)
        }
    }
}
