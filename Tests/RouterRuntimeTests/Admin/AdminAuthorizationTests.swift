import Foundation
import NIOHTTP1
import RouterConfig
import RouterWire
import Testing
@testable import RouterRuntime

@Suite("AdminAuthorization")
struct AdminAuthorizationTests {
    let token = try! AdminToken("s3cret-token")

    struct Case: Sendable, CustomStringConvertible {
        var method: HTTPMethod
        var header: String?
        var privateUnix: Bool
        var expected: AdminAuthorization.Decision
        var description: String { "\(method.rawValue) \(header ?? "-") unix=\(privateUnix)" }
    }

    static let cases: [Case] = [
        Case(method: .GET, header: nil, privateUnix: false, expected: .allow(authenticated: false)),
        Case(method: .HEAD, header: "Bearer wrong", privateUnix: false, expected: .allow(authenticated: false)),
        Case(method: .GET, header: "Bearer s3cret-token", privateUnix: false, expected: .allow(authenticated: true)),
        Case(method: .POST, header: nil, privateUnix: false, expected: .unauthorized),
        Case(method: .DELETE, header: "Basic dXNlcjpwYXNz", privateUnix: false, expected: .unauthorized),
        Case(method: .PUT, header: "Bearer ", privateUnix: false, expected: .unauthorized),
        Case(method: .POST, header: "Bearer s3cret-tokeN", privateUnix: false, expected: .forbidden),
        Case(method: .PATCH, header: "Bearer s3cret-token-longer", privateUnix: false, expected: .forbidden),
        Case(method: .POST, header: "Bearer s3cret-token", privateUnix: false, expected: .allow(authenticated: true)),
        Case(method: .POST, header: "bearer  s3cret-token ", privateUnix: false, expected: .allow(authenticated: true)),
        Case(method: .POST, header: nil, privateUnix: true, expected: .allow(authenticated: true)),
        Case(method: .POST, header: "Bearer wrong", privateUnix: true, expected: .allow(authenticated: true)),
    ]

    @Test("decision table", arguments: cases)
    func decide(_ c: Case) {
        #expect(AdminAuthorization.decide(method: c.method, authorization: c.header, token: token, privateUnixPeer: c.privateUnix) == c.expected)
    }

    @Test("without a configured token, only a private unix peer may edit")
    func noToken() {
        #expect(AdminAuthorization.decide(method: .POST, authorization: "Bearer x", token: nil, privateUnixPeer: false) == .forbidden)
        #expect(AdminAuthorization.decide(method: .POST, authorization: nil, token: nil, privateUnixPeer: true) == .allow(authenticated: true))
    }

    @Test("token comparison: equal only for the same bytes")
    func tokenMatches() {
        #expect(token.matches("s3cret-token"))
        #expect(!token.matches("s3cret-toke"))
        #expect(!token.matches("s3cret-token\n"))
        #expect(!token.matches(""))
        #expect(!token.matches("S3cret-token"))
    }

    @Test("token file: trailing newline stripped; missing, empty and unreadable files are errors naming the file")
    func tokenFile() throws {
        let dir = try makeTempDirectory()
        defer { removeDirectory(dir) }
        let good = "\(dir)/token"
        #expect(FileManager.default.createFile(atPath: good, contents: Data("abc123\r\n".utf8), attributes: [.posixPermissions: 0o600]))
        #expect(try AdminToken.load(fromFile: good).matches("abc123"))

        let empty = "\(dir)/empty"
        #expect(FileManager.default.createFile(atPath: empty, contents: Data("\n".utf8), attributes: [.posixPermissions: 0o600]))
        #expect(throws: RuntimeError.adminTokenFile(path: empty, reason: "the file holds no token")) { try AdminToken.load(fromFile: empty) }

        let missing = "\(dir)/missing"
        do {
            _ = try AdminToken.load(fromFile: missing)
            Issue.record("a missing token file loaded")
        } catch {
            #expect("\(error)".contains(missing))
        }
    }

    @Test("token file: group- or world-accessible files are refused naming the file and its mode", arguments: [0o640, 0o604, 0o660, 0o606])
    func tooOpenTokenFile(mode: Int) throws {
        let dir = try makeTempDirectory()
        defer { removeDirectory(dir) }
        let path = "\(dir)/token"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("abc\n".utf8), attributes: [.posixPermissions: mode]))
        let octal = "0" + String(mode, radix: 8)
        #expect(throws: RuntimeError.adminTokenFile(path: path, reason: "permissions \(octal) for '\(path)' are too open: a token file must not be accessible by group or others (chmod 600 \(path))")) {
            try AdminToken.load(fromFile: path)
        }
    }

    @Test("token text: router and client trim alike; CR or LF inside the token is refused")
    func tokenText() throws {
        #expect(try AdminTokenText.token(from: Array(" \tabc123 \r\n\n".utf8)) == "abc123")
        #expect(throws: AdminTokenText.Problem.controlCharacter(offset: 3)) { try AdminTokenText.token(from: Array("abc\r\ndef\n".utf8)) }
        #expect(throws: AdminTokenText.Problem.controlCharacter(offset: 1)) { try AdminTokenText.token(from: Array("a\nb".utf8)) }
        #expect(throws: AdminTokenText.Problem.empty) { try AdminTokenText.token(from: Array(" \r\n".utf8)) }
        #expect(throws: AdminTokenText.Problem.notText) { try AdminTokenText.token(from: [0x61, 0xFF, 0x62]) }
        let dir = try makeTempDirectory()
        defer { removeDirectory(dir) }
        let path = "\(dir)/token"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("abc\ndef\n".utf8), attributes: [.posixPermissions: 0o600]))
        #expect(throws: RuntimeError.adminTokenFile(path: path, reason: AdminTokenText.Problem.controlCharacter(offset: 3).description)) {
            try AdminToken.load(fromFile: path)
        }
    }

    @Test("GET /v1/state needs the token from an untrusted peer unless --admin-public-reads; other reads stay open")
    func protectedState() {
        #expect(AdminAuthorization.decide(method: .GET, authorization: nil, token: token, privateUnixPeer: false, path: "/v1/state") == .unauthorized)
        #expect(AdminAuthorization.decide(method: .GET, authorization: "Bearer nope", token: token, privateUnixPeer: false, path: "/v1/state") == .forbidden)
        #expect(AdminAuthorization.decide(method: .GET, authorization: "Bearer s3cret-token", token: token, privateUnixPeer: false, path: "/v1/state") == .allow(authenticated: true))
        #expect(AdminAuthorization.decide(method: .GET, authorization: nil, token: token, privateUnixPeer: true, path: "/v1/state") == .allow(authenticated: true))
        #expect(AdminAuthorization.decide(method: .GET, authorization: nil, token: token, privateUnixPeer: false, path: "/v1/state", publicReads: true) == .allow(authenticated: false))
        #expect(AdminAuthorization.decide(method: .GET, authorization: nil, token: token, privateUnixPeer: false, path: "/metrics") == .allow(authenticated: false))
        #expect(AdminAuthorization.decide(method: .POST, authorization: nil, token: token, privateUnixPeer: false, path: "/v1/cheap", publicReads: true) == .unauthorized)
    }
}
