import FleetClient
import FleetModel
import NIOConcurrencyHelpers
import NIOCore
import RouterCoreTesting
import RouterRuntime
import RouterWire
import Testing
@testable import FleetApp

/// `NIOFleetControl` that counts the polls it makes, so a test can see them stop.
private final class CountingControl: FleetControl {
    let inner: NIOFleetControl
    let polls = NIOLockedValueBox(0)

    init(_ inner: NIOFleetControl) {
        self.inner = inner
    }

    func poll(_ router: RouterEndpoint) async throws -> StatsDocument {
        polls.withLockedValue { $0 += 1 }
        return try await inner.poll(router)
    }

    func apply(_ edit: FleetEdit, to router: RouterEndpoint, reach: EditReach) async throws -> EditOutcome {
        try await inner.apply(edit, to: router, reach: reach)
    }

    func watch(_ router: RouterEndpoint, target: WatchTarget, interval: Duration) -> AsyncThrowingStream<StatsWatchUpdate, any Error> {
        inner.watch(router, target: target, interval: interval)
    }
}

/// A fleetrouter pushes its stats over its admin API (`GET /v1/watch`), and fleettop's poller
/// switches to that stream and back to polling when it breaks.
@Suite("End to end: pushed stats", .serialized, .timeLimit(.minutes(3)))
struct PushedStatsEndToEndTests {
    /// Runs an HTTP router with stats and an admin API (token in `directory`) around `body`.
    private static func withRouter(
        _ body: (FleetRouterProcess, RouterEndpoint) async throws -> Void
    ) async throws {
        let directory = try EndToEndDirectory()
        defer { directory.remove() }
        let tokenFile = try directory.write("watch-token-\(UInt64.random(in: 0...UInt64.max))\n", to: "admin.token")
        let arguments = ["--admin", "127.0.0.1:0", "--admin-token-file", tokenFile,
                         "--http", "127.0.0.1:0", "--http-to", "127.0.0.1:39902", "--http-stats", "127.0.0.1:0"]
        try await InProcessRouter.with(arguments) { router in
            let stats = try StatsAddress(parsing: try #require(router.boundAddress(.stats, router: "http")))
            let admin = try StatsAddress(parsing: try #require(router.boundAddress(.admin)))
            try await body(router, RouterEndpoint(name: "pushed", stats: stats, admin: admin, tokenFile: tokenFile))
        }
    }

    @Test("the watch sends the document, then empty lines while it is unchanged, then an edit's new document")
    func watchCarriesChanges() async throws {
        try await Self.withRouter { _, endpoint in
            // Scaled under a sanitizer: the watch ends when the router stays silent this long.
            let control = FleetServices.control(timeout: 5 * Double(Slowdown.factor))
            let admin = try #require(endpoint.admin)
            let updates = control.watch(endpoint, target: WatchTarget(admin: admin, router: "http"), interval: .milliseconds(100))
            var seen: [StatsWatchUpdate] = []
            var edited = false
            for try await update in updates {
                seen.append(update)
                if seen.count == 3 {
                    #expect(seen.first?.changed == true)
                    #expect(seen.first?.document.adminRouter == "http")
                    #expect(seen.dropFirst().contains { !$0.changed }, "an idle router's document comes as unchanged lines")
                    let outcome = try await control.apply(.setCheap(.on), to: endpoint)
                    #expect(outcome == .applied)
                    edited = true
                }
                if edited, update.changed, update.document.cheapMode == .on { break }
                if seen.count > 600 { break }
            }
            #expect(edited)
            // A router the process does not run: refused, and so never watched.
            var refusal: (any Error)?
            do {
                for try await _ in control.watch(endpoint, target: WatchTarget(admin: admin, router: "nope"), interval: .milliseconds(100)) {}
            } catch {
                refusal = error
            }
            let unsupported = refusal as? WatchError
            #expect(unsupported == .unsupported(reason: "\(admin) answers 404 to GET /v1/watch"))
            #expect(seen.last?.document.cheapMode == .on, "the edit's new document arrived through the watch")
            #expect(control.latestDocument(of: endpoint.id)?.cheapMode == .on, "watched documents are remembered for edits")
        }
    }

    @Test("an edit's change comes through the watch (as a delta) and gives exactly the document a poll reads")
    func watchedChangeEqualsThePolledDocument() async throws {
        try await Self.withRouter { _, endpoint in
            let control = FleetServices.control(timeout: 5 * Double(Slowdown.factor))
            let admin = try #require(endpoint.admin)
            let updates = control.watch(endpoint, target: WatchTarget(admin: admin, router: "http"), interval: .milliseconds(100))
            let node = NodeRef(key: nil, address: "127.0.0.1:39902")
            var drained: StatsDocument?
            var count = 0
            for try await update in updates {
                count += 1
                if count == 2 { #expect(try await control.apply(.drain(node), to: endpoint) == .applied) }
                if count >= 2, update.changed, update.document.staticNodes?.first?.operatorFields.drain == 1 {
                    drained = update.document
                    break
                }
                if count > 600 { break }
            }
            let watched = try #require(drained, "the drain never came through the watch")
            #expect(try await control.poll(endpoint) == watched)
        }
    }

    @Test("the poller watches a fleetrouter instead of polling it, and polls again when the watch breaks")
    func pollerSwitchesToTheWatchAndBack() async throws {
        let control = CountingControl(FleetServices.control(timeout: 2 * Double(Slowdown.factor)))
        let poller = FleetPoller(control: control, endpoints: [], configuration: .init(interval: .milliseconds(100), watch: true))
        defer { poller.stop() }
        var iterator = poller.results.makeAsyncIterator()
        try await Self.withRouter { router, endpoint in
            poller.setEndpoints([endpoint])
            poller.start()
            // Watch results have no poll duration. Once they flow, polls stop.
            var pollsAtWatch: Int?
            var watched = 0
            for _ in 0..<400 {
                guard let result = await iterator.next() else { break }
                #expect((try? result.result.get()) != nil, "\(result.result)")
                guard result.duration == .zero else { continue }
                if pollsAtWatch == nil { pollsAtWatch = control.polls.withLockedValue { $0 } }
                watched += 1
                if watched == 15 { break }
            }
            let atWatch = try #require(pollsAtWatch, "no result came through the watch")
            #expect(watched == 15)
            // Polling would have added about 15 over these 15 intervals; the few allowed are those
            // due before the poller's next tick took in the watch's first document.
            #expect(control.polls.withLockedValue { $0 } <= atWatch + 3, "polls stopped while the watch delivered")
        }
        // The router is gone: the watch breaks and polling resumes (and fails: only a poll reports
        // a failure, a watch never does).
        var failed = false
        for _ in 0..<400 {
            guard let result = await iterator.next() else { break }
            if case .failure = result.result {
                failed = true
                break
            }
        }
        #expect(failed, "a failed poll reports the router down")
    }
}
