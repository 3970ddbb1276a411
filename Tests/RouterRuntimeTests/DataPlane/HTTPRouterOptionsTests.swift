import DataPlaneTesting
import Foundation
import NIOCore
import ProcessTesting
import RouterConfig
import Synchronization
import Testing
@testable import RouterRuntime

@Suite("HTTP router manage options over loopback", .everyTransport)
struct HTTPRouterOptionsTests {
    static func options(_ edit: (inout HTTPRouterOptions) -> Void = { _ in }) -> ClientProtocol {
        HTTPRouterTests.options(edit)
    }

    /// One request on a fresh connection, answered by a `.contentLength` node.
    static func exchange(_ kind: ClientProtocol, _ bytes: [UInt8], answer: FakeUwsgiNode.Answer = .contentLength) async throws -> HTTPTestResponse {
        let node = try await FakeUwsgiNode.start(answer, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        return try await RouterHarness.withRouter(kind, nodes: [node.port]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send(bytes)
                return try client.readResponse()
            }
        }
    }

    static let get = Array("GET /p HTTP/1.1\r\nHost: app.local\r\n\r\n".utf8)

    @Test("--http-var items follow the headers; --http-server-name-as-http-host sends the Host as SERVER_NAME")
    func varsAndServerName() async throws {
        let kind = Self.options {
            $0.vars = [("APP_ENV", "test"), ("EMPTY", "")]
            $0.serverNameAsHTTPHost = true
        }
        let response = try await Self.exchange(kind, Self.get)
        #expect(response.vars["APP_ENV"] == "test")
        #expect(response.vars["EMPTY"] == "")
        #expect(response.vars["SERVER_NAME"] == "app.local")
    }

    @Test("a PROXY line from loopback (the default allow-list) gives REMOTE_ADDR and REMOTE_PORT")
    func proxyLineTrusted() async throws {
        let response = try await Self.exchange(Self.options { $0.proxyProtocol = true }, Array("PROXY TCP4 203.0.113.7 10.0.0.1 5555 80\r\n".utf8) + Self.get)
        #expect(response.vars["REMOTE_ADDR"] == "203.0.113.7")
        #expect(response.vars["REMOTE_PORT"] == "5555")
    }

    @Test("a PROXY line from a peer outside --http-proxy-protocol-allow is refused with a 400")
    func proxyLineUntrusted() async throws {
        let kind = Self.options {
            $0.proxyProtocol = true
            $0.proxyProtocolAllow = [try! AddressRange(parsing: "10.0.0.0/8")]
        }
        let response = try await Self.exchange(kind, Array("PROXY TCP4 203.0.113.7 10.0.0.1 5555 80\r\n".utf8) + Self.get)
        #expect(response.status == 400)
    }

    @Test("a stud peer's prefix gives REMOTE_ADDR and HTTPS=on")
    func studPrefix() async throws {
        let response = try await Self.exchange(Self.options { $0.studPrefixes = [[127, 0, 0, 1]] }, [2, 198, 51, 100, 9] + Self.get)
        #expect(response.vars["REMOTE_ADDR"] == "198.51.100.9")
        #expect(response.vars["HTTPS"] == "on")
    }

    @Test("--http-manage-expect answers 100 Continue before the node's answer, and 413 above the limit")
    func manageExpect() async throws {
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let (interim, response, refused) = try await RouterHarness.withRouter(Self.options { $0.manageExpect = .limit(10) }, nodes: [node.port]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send("POST /p HTTP/1.1\r\nHost: app.local\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
                let interim = try client.readResponse()
                try client.send("hello")
                let response = try client.readResponse()
                let second = try BlockingClient(port: port)
                try second.send("POST /p HTTP/1.1\r\nHost: app.local\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n")
                return (interim, response, try second.readResponse())
            }
        }
        #expect(interim.status == 100)
        #expect(response.status == 200)
        #expect(response.vars["BODY"]?.hasPrefix("5:") == true)
        #expect(refused.status == 413)
        #expect(node.requests.load(ordering: .relaxed) == 1)
    }

    @Test("--http-raw-body relays the body blindly after the head")
    func rawBody() async throws {
        let response = try await Self.exchange(
            Self.options { $0.rawBody = true }, Array("POST /p HTTP/1.1\r\nHost: app.local\r\nContent-Length: 3\r\n\r\nabc".utf8))
        #expect(response.status == 200)
        #expect(response.vars["CONTENT_LENGTH"] == "3")
        #expect(response.vars["BODY"]?.hasPrefix("3:") == true)
    }

    @Test("--http-auto-gzip output is decoded by curl --compressed")
    func autoGzipCurl() async throws {
        let node = try await FakeUwsgiNode.start(.gzipMarked, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let (body, headers) = try await RouterHarness.withRouter(Self.options { $0.autoGzip = true }, nodes: [node.port]) { port, _, _ in
            try await RouterHarness.blocking {
                try Curl.get("http://127.0.0.1:\(port)/gz", host: "app.local")
            }
        }
        #expect(headers.lowercased().contains("content-encoding: gzip"))
        #expect(body.contains("PATH_INFO=/gz"))
        #expect(body.contains("HTTP_ACCEPT_ENCODING="))
    }
}

@Suite("Raw router --rawrouter-xclient over loopback", .everyTransport)
struct RawRouterXClientTests {
    @Test("the node's greeting is replaced by its reply to XCLIENT ADDR=<client>")
    func xclient() async throws {
        let node = try await FakeUwsgiNode.start(.smtp, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        var options = StreamRouterOptions()
        options.xclient = true
        let expected = "250 XCLIENT ADDR=127.0.0.1\r\n"
        let (first, echo) = try await RouterHarness.withRouter(.raw(options), nodes: [node.port]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                let first = try client.read(count: expected.utf8.count)
                try client.send("QUIT\r\n")
                return (String(decoding: first, as: UTF8.self), String(decoding: try client.read(count: 10), as: UTF8.self))
            }
        }
        #expect(first == expected)
        #expect(echo == "250 QUIT\r\n")
    }
}

/// Runs curl (present on the machine and installed by `.ci/run`).
enum Curl {
    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    /// GETs `url` with `--compressed`; returns the decoded body and the response head.
    static func get(_ url: String, host: String) throws -> (body: String, headers: String) {
        let headerFile = FileManager.default.temporaryDirectory.appendingPathComponent("curl-head-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: headerFile) }
        let completion = try SpawnedProcess.run(
            "/usr/bin/curl", ["--silent", "--show-error", "--compressed", "--max-time", "30", "-H", "Host: \(host)", "-D", headerFile, url],
            output: .separate, timeout: .seconds(40))
        guard completion.termination == .exited(0) else {
            throw Failed(description: "curl ended with \(completion.termination): \(completion.errors)")
        }
        let headers = (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? ""
        return (completion.output, headers)
    }
}
