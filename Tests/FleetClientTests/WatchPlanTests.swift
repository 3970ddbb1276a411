import FleetModel
import FleetModelTesting
import NIOCore
import RouterWire
import Testing
@testable import FleetClient

/// The watch line framer, the watch plan's transitions and which routers can be watched.
@Suite struct WatchPlanTests {
    private let stats = StatsAddress.tcp(host: "10.0.0.5", port: 9191)
    private var endpoint: RouterEndpoint { RouterEndpoint(name: "r1", stats: stats) }

    private func document(admin: String? = "10.0.0.5:9090", adminRouter: String? = "http") -> StatsDocument {
        var document = Samples.fleetrouter(admin: admin)
        document.adminRouter = adminRouter
        return document
    }

    // MARK: framer

    @Test func framerSplitsLinesAcrossChunks() throws {
        var framer = WatchLineFramer(limit: 16)
        let step1 = try framer.append(ByteBuffer(string: "{\"a\""))
        #expect(step1.isEmpty)
        #expect(framer.pendingBytes == 4)
        let lines = try framer.append(ByteBuffer(string: ":1}\n\n{\"b\":2}\n{\"c"))
        #expect(lines.map { String(buffer: $0) } == ["{\"a\":1}", "", "{\"b\":2}"])
        #expect(framer.pendingBytes == 3)
        let step2 = try framer.append(ByteBuffer(string: "\":3}\n"))
        #expect(step2.map { String(buffer: $0) } == ["{\"c\":3}"])
        #expect(framer.pendingBytes == 0)
    }

    /// What appending `chunks` in turn to a framer of `limit` gives: the lines of the last
    /// append, or the overflow.
    private func frame(_ chunks: [String], limit: Int) -> Result<[String], WatchLineFramer.Overflow> {
        var framer = WatchLineFramer(limit: limit)
        var lines: [ByteBuffer] = []
        for chunk in chunks {
            do {
                lines = try framer.append(ByteBuffer(string: chunk))
            } catch {
                return .failure(error)
            }
        }
        return .success(lines.map { String(buffer: $0) })
    }

    @Test func framerRefusesALineOverItsLimit() {
        let overflow = Result<[String], WatchLineFramer.Overflow>.failure(.init(limit: 8))
        #expect(frame(["123456789\n"], limit: 8) == overflow)
        #expect(frame(["123456789"], limit: 8) == overflow)
        #expect(frame(["12345", "6789\n"], limit: 8) == overflow)
        #expect(frame(["12345678\n"], limit: 8) == .success(["12345678"]))
        #expect(frame(["1234", "5678\n"], limit: 8) == .success(["12345678"]))
    }

    // MARK: target

    @Test func targetNeedsAFleetrouterWithANameAndATrustedAdminAddress() throws {
        #expect(WatchTarget(endpoint: endpoint, document: document()) == WatchTarget(admin: .tcp(host: "10.0.0.5", port: 9090), router: "http"))
        // No admin_router: a fleetrouter older than the watch.
        #expect(WatchTarget(endpoint: endpoint, document: document(adminRouter: nil)) == nil)
        // A real uWSGI router.
        let uwsgi = try Samples.uwsgiDocument
        #expect(WatchTarget(endpoint: endpoint, document: uwsgi) == nil)
        // A learned address on another host is not followed ...
        #expect(WatchTarget(endpoint: endpoint, document: document(admin: "192.0.2.9:9090")) == nil)
        // ... but the endpoint's own admin address is, wherever it is.
        let configured = RouterEndpoint(name: "r1", stats: stats, admin: .tcp(host: "10.0.0.7", port: 1))
        #expect(WatchTarget(endpoint: configured, document: document(admin: "192.0.2.9:9090"))?.admin == .tcp(host: "10.0.0.7", port: 1))
        // Local sockets are the same machine.
        let local = RouterEndpoint(name: "r2", stats: .unix(path: "/run/r2.stats"))
        #expect(WatchTarget(endpoint: local, document: document(admin: "/run/r2.admin"))?.admin == .unix(path: "/run/r2.admin"))
        #expect(WatchTarget(endpoint: endpoint, document: document(admin: nil)) == nil)
    }

    // MARK: plan

    @Test func pollStartsAWatchWhosePollsStopOnlyOnceItDelivers() throws {
        var plan = WatchPlan(interval: .seconds(1))
        let first = plan.pollSucceeded(endpoint, document: document(), at: .seconds(1))
        let action = try #require(first)
        guard case let .start(started, target, generation) = action else {
            Issue.record("expected a start, got \(action)")
            return
        }
        #expect(started == endpoint && target.router == "http")
        #expect(plan.mode(of: endpoint.id) == .starting(target))
        #expect(!plan.skipsPolls(of: endpoint.id))
        // A poll while starting does not start a second watch.
        let step3 = plan.pollSucceeded(endpoint, document: document(), at: .seconds(2))
        #expect(step3 == nil)
        // A report from another generation is ignored.
        plan.watchDelivered(endpoint.id, generation: generation + 1)
        #expect(!plan.skipsPolls(of: endpoint.id))
        plan.watchDelivered(endpoint.id, generation: generation)
        #expect(plan.mode(of: endpoint.id) == .watching(target))
        #expect(plan.skipsPolls(of: endpoint.id))
    }

    @Test func onlyTheRunningWatchIsCurrent() throws {
        var plan = WatchPlan(interval: .seconds(1))
        #expect(!plan.isCurrent(endpoint.id, generation: 0), "a router never watched")
        guard case let .start(_, _, first)? = plan.pollSucceeded(endpoint, document: document(), at: .zero) else {
            Issue.record("expected a start")
            return
        }
        #expect(plan.isCurrent(endpoint.id, generation: first), "starting")
        #expect(!plan.isCurrent(endpoint.id, generation: first + 1))
        plan.watchDelivered(endpoint.id, generation: first)
        #expect(plan.isCurrent(endpoint.id, generation: first), "watching")
        _ = plan.watchEnded(endpoint.id, generation: first, error: .failed(reason: "reset"), delivered: true, at: .seconds(1))
        #expect(!plan.isCurrent(endpoint.id, generation: first), "a broken watch's late line is not current")
        guard case let .start(_, _, second)? = plan.pollSucceeded(endpoint, document: document(), at: .seconds(10)) else {
            Issue.record("expected a second start")
            return
        }
        #expect(plan.isCurrent(endpoint.id, generation: second) && !plan.isCurrent(endpoint.id, generation: first))
        _ = plan.retain([])
        #expect(!plan.isCurrent(endpoint.id, generation: second), "a router that left")
    }

    @Test func gatheredWatchResultsKeepANewDocumentOverALaterUnchangedLine() {
        let id = endpoint.id
        func result(_ requests: UInt64, unchanged: Bool) -> PollResult {
            var document = document()
            document.activeSessions = requests
            var result = PollResult(router: id, result: .success(document), duration: .zero)
            result.unchanged = unchanged
            return result
        }
        let new = result(1, unchanged: false), same = result(1, unchanged: true), newer = result(2, unchanged: false)
        #expect(new.replacing(nil).unchanged == false)
        #expect(same.replacing(nil).unchanged == true)
        #expect(same.replacing(same).unchanged == true)
        // An unchanged line after a new document: the document is still to be recorded.
        #expect(same.replacing(new).unchanged == false)
        let merged = newer.replacing(same)
        #expect(merged.unchanged == false && (try? merged.result.get())?.activeSessions == 2)
        // A failure is never merged into.
        let failed = PollResult(router: id, result: .failure(PollError(router: id, address: stats, kind: .timeout(seconds: 1, connected: false))), duration: .zero)
        #expect(same.replacing(failed).unchanged == true)
    }

    @Test func brokenWatchPollsNowAndRetriesAfterABackoff() throws {
        var plan = WatchPlan(interval: .seconds(1), maximumRetry: .seconds(5))
        guard case let .start(_, _, first)? = plan.pollSucceeded(endpoint, document: document(), at: .zero) else {
            Issue.record("expected a start")
            return
        }
        plan.watchDelivered(endpoint.id, generation: first)
        let step4 = plan.watchEnded(endpoint.id, generation: first, error: .failed(reason: "reset"), delivered: true, at: .seconds(10))
        #expect(step4 == .pollNow(endpoint.id))
        #expect(plan.mode(of: endpoint.id) == .polling)
        // One failure in a row: twice the interval before watching again.
        let step5 = plan.pollSucceeded(endpoint, document: document(), at: .milliseconds(11_999))
        #expect(step5 == nil)
        guard case let .start(_, _, second)? = plan.pollSucceeded(endpoint, document: document(), at: .seconds(12)) else {
            Issue.record("expected a second start")
            return
        }
        // A stale end of the first watch changes nothing.
        let step6 = plan.watchEnded(endpoint.id, generation: first, error: .failed(reason: "late"), delivered: false, at: .seconds(12))
        #expect(step6 == nil)
        // Failing again without delivering: four intervals.
        let step7 = plan.watchEnded(endpoint.id, generation: second, error: .failed(reason: "refused"), delivered: false, at: .seconds(13))
        #expect(step7 == .pollNow(endpoint.id))
        let step8 = plan.pollSucceeded(endpoint, document: document(), at: .milliseconds(16_999))
        #expect(step8 == nil)
        let step9 = plan.pollSucceeded(endpoint, document: document(), at: .seconds(17))
        #expect(step9 != nil)
        #expect(plan.retryDelay(afterFailures: 10) == .seconds(5))
    }

    @Test func unsupportedWatchIsNeverTriedAgain() {
        var plan = WatchPlan(interval: .seconds(1))
        guard case let .start(_, _, generation)? = plan.pollSucceeded(endpoint, document: document(), at: .zero) else {
            Issue.record("expected a start")
            return
        }
        let step10 = plan.watchEnded(endpoint.id, generation: generation, error: .unsupported(reason: "404"), delivered: false, at: .seconds(1))
        #expect(step10 == .pollNow(endpoint.id))
        #expect(plan.mode(of: endpoint.id) == .unsupported)
        let step11 = plan.pollSucceeded(endpoint, document: document(), at: .seconds(3600))
        #expect(step11 == nil)
    }

    @Test func removedOrChangedRouterStopsItsWatch() throws {
        var plan = WatchPlan(interval: .seconds(1))
        let other = RouterEndpoint(name: "r2", stats: .tcp(host: "10.0.0.5", port: 9192))
        _ = plan.pollSucceeded(endpoint, document: document(), at: .zero)
        _ = plan.pollSucceeded(other, document: try Samples.uwsgiDocument, at: .zero)
        let step12 = plan.retain([endpoint, other])
        #expect(step12.isEmpty)
        var moved = endpoint
        moved.admin = .tcp(host: "10.0.0.5", port: 9999)
        let step13 = plan.retain([moved, other])
        #expect(step13 == [.stop(endpoint.id)])
        #expect(plan.mode(of: endpoint.id) == .polling)
        _ = plan.pollSucceeded(moved, document: document(), at: .zero)
        let step14 = plan.retain([other])
        #expect(step14 == [.stop(endpoint.id)])
        let step15 = plan.retain([])
        #expect(step15.isEmpty, "a polled uWSGI router leaves without a stop")
    }
}
