import FleetClient
import FleetModel
import RouterCoreTesting
import RouterRuntime
import RouterWire
import Testing
@testable import FleetApp

/// `fleettop cache` against a fleetrouter process with a routing cache: set, list (text and
/// JSON), delete, and the refusals an operator meets (wrong token, unknown cache, nobody there).
@Suite("End to end: fleettop cache", .serialized, .timeLimit(.minutes(2)))
struct CacheCommandEndToEndTests {
    @Test("set, list and delete an item of a fleetrouter cache through its admin API")
    func setListDelete() async throws {
        let directory = try EndToEndDirectory()
        defer { directory.remove() }
        let tokenFile = try directory.write("cache-token-\(UInt64.random(in: 0...UInt64.max))\n", to: "admin.token")
        let other = try directory.write("not-the-token\n", to: "wrong.token")
        let arguments = [
            "--http", "127.0.0.1:0", "--http-use-cache", "routes", "--cache2", "name=routes,items=4",
            "--admin", "127.0.0.1:0", "--admin-token-file", tokenFile,
        ]
        try await InProcessRouter.with(arguments) { router in
            let admin = try StatsAddress(parsing: try #require(router.boundAddress(.admin)))
            let control = FleetServices.control(timeout: 10 * Double(Slowdown.factor))
            let token = tokenFile
            func run(_ request: AdminRequest, token other: String? = nil, json: Bool = false) async -> CacheRunner.Report {
                await CacheRunner.report(request, admin: admin, tokenFile: other ?? token, json: json, control: control)
            }

            let set = await run(.setCacheItem(cache: nil, key: "app.local", value: "127.0.0.1:3031|127.0.0.1:3032,5", expires: nil))
            #expect(set.succeeded, "\(set.message)")
            let listed = await run(.listCache)
            #expect(listed.succeeded)
            let lines = listed.message.split(separator: "\n").map(String.init)
            #expect(lines.first == "cache routes: 1 of 4 items")
            #expect(lines.contains { $0.hasPrefix("app.local") && $0.contains("127.0.0.1:3031|127.0.0.1:3032,5") && $0.contains("never") })
            let json = await run(.listCache, json: true)
            let decoded = try CacheListing(json: Array(json.message.utf8))
            #expect(decoded.caches.first?.items.map(\.key) == ["app.local"])

            let refused = await run(.setCacheItem(cache: nil, key: "other", value: "127.0.0.1:1", expires: nil), token: other)
            #expect(!refused.succeeded)
            #expect(refused.message.contains("401") || refused.message.contains("403"), "\(refused.message)")
            let unknown = await run(.deleteCacheItem(cache: "nope", key: "app.local"))
            #expect(!unknown.succeeded)
            #expect(unknown.message.contains("no cache 'nope'"), "\(unknown.message)")

            let deleted = await run(.deleteCacheItem(cache: "routes", key: "app.local"))
            #expect(deleted.succeeded, "\(deleted.message)")
            let empty = await run(.listCache)
            #expect(empty.message.split(separator: "\n").first == "cache routes: 0 of 4 items")
        }
    }

    @Test("an admin address nobody listens on is a clear failure naming it")
    func unreachableAdmin() async throws {
        let admin = try StatsAddress(parsing: "127.0.0.1:9")
        let report = await CacheRunner.report(.listCache, admin: admin, tokenFile: nil, json: false, control: FleetServices.control(timeout: 1))
        #expect(!report.succeeded)
        #expect(report.message.contains("127.0.0.1:9"), "\(report.message)")
    }

    @Test("an unreadable token file is named before anything is sent")
    func missingTokenFile() async throws {
        let admin = try StatsAddress(parsing: "127.0.0.1:9")
        let report = await CacheRunner.report(.listCache, admin: admin, tokenFile: "/nonexistent/admin.token", json: false, control: FleetServices.control(timeout: 1))
        #expect(!report.succeeded)
        #expect(report.message.contains("/nonexistent/admin.token"), "\(report.message)")
    }
}
