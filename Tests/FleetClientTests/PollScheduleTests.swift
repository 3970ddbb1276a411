import FleetModel
import Testing
@testable import FleetClient

/// The poll schedule and backoff as pure values.
@Suite struct PollScheduleTests {
    private func endpoints(_ count: Int) -> [RouterEndpoint] {
        (0..<count).map { RouterEndpoint(name: "r\($0)", stats: .tcp(host: "127.0.0.1", port: UInt16(9000 + $0))) }
    }

    @Test func backoffDoublesToTheCapAndNeverUndercutsTheInterval() {
        let policy = BackoffPolicy(initial: .seconds(1), maximum: .seconds(30))
        let waits = (1...8).map { policy.delay(afterFailures: $0, interval: .seconds(1)) }
        #expect(waits == [1, 2, 4, 8, 16, 30, 30, 30].map { Duration.seconds($0) })
        #expect(policy.delay(afterFailures: 0, interval: .seconds(1)) == .seconds(1))
        #expect(policy.delay(afterFailures: 1, interval: .seconds(5)) == .seconds(5))
        #expect(policy.delay(afterFailures: 1_000_000, interval: .seconds(1)) == .seconds(30))
    }

    @Test func firstRoundIsSpreadOverOneInterval() {
        let schedule = PollSchedule(endpoints: endpoints(4), interval: .seconds(1), backoff: .init(), start: .seconds(10))
        #expect(schedule.entries.map(\.nextDue) == [.seconds(10), .milliseconds(10_250), .milliseconds(10_500), .milliseconds(10_750)])
    }

    @Test func takeDueHonoursTheLimitAndInFlight() {
        var schedule = PollSchedule(endpoints: endpoints(10), interval: .seconds(1), backoff: .init(), start: .zero)
        let first = schedule.takeDue(at: .seconds(1), limit: 3)
        #expect(first.map(\.name) == ["r0", "r1", "r2"])
        let second = schedule.takeDue(at: .seconds(1), limit: 100)
        #expect(second.count == 7)
        #expect(schedule.takeDue(at: .seconds(5), limit: 100).isEmpty)
        #expect(schedule.earliestDue == nil)
    }

    @Test func successKeepsPhaseAndFailureBacksOffThenResets() {
        var schedule = PollSchedule(endpoints: endpoints(1), interval: .seconds(1), backoff: .init(initial: .seconds(2), maximum: .seconds(8)), start: .zero)
        let id = RouterID("r0")
        _ = schedule.takeDue(at: .zero, limit: 1)
        schedule.recordSuccess(id, at: .milliseconds(30))
        #expect(schedule[id]?.nextDue == .seconds(1))

        var now = Duration.seconds(1)
        var waits: [Duration] = []
        for _ in 0..<5 {
            #expect(schedule.takeDue(at: now, limit: 1).count == 1)
            let wait = schedule.recordFailure(id, at: now)
            waits.append(wait)
            #expect(schedule[id]?.nextDue == now + wait)
            #expect(schedule.takeDue(at: now + wait - .milliseconds(1), limit: 1).isEmpty)
            now += wait
        }
        #expect(waits == [2, 4, 8, 8, 8].map { Duration.seconds($0) })
        #expect(schedule[id]?.consecutiveFailures == 5)

        _ = schedule.takeDue(at: now, limit: 1)
        schedule.recordSuccess(id, at: now + .milliseconds(5))
        #expect(schedule[id]?.consecutiveFailures == 0)
        #expect(schedule[id]?.nextDue == now + .seconds(1))
        _ = schedule.takeDue(at: now + .seconds(1), limit: 1)
        #expect(schedule.recordFailure(id, at: now + .seconds(1)) == .seconds(2))
    }

    @Test func aRouterThatFellBehindIsRephased() {
        var schedule = PollSchedule(endpoints: endpoints(1), interval: .seconds(1), backoff: .init(), start: .zero)
        _ = schedule.takeDue(at: .zero, limit: 1)
        schedule.recordSuccess("r0", at: .milliseconds(1500))
        #expect(schedule["r0"]?.nextDue == .milliseconds(2500))
    }

    @Test func refreshMakesBackingOffRoutersDue() {
        var schedule = PollSchedule(endpoints: endpoints(2), interval: .seconds(1), backoff: .init(), start: .zero)
        _ = schedule.takeDue(at: .seconds(1), limit: 2)
        schedule.recordFailure("r0", at: .seconds(1))
        schedule.recordFailure("r0", at: .seconds(1))
        schedule.recordSuccess("r1", at: .seconds(1))
        schedule.makeAllDue(at: .milliseconds(1100))
        #expect(schedule.takeDue(at: .milliseconds(1100), limit: 10).map(\.name) == ["r0", "r1"])
        #expect(schedule["r0"]?.consecutiveFailures == 2)
    }

    @Test func setEndpointsKeepsStateOfKeptRouters() {
        var schedule = PollSchedule(endpoints: endpoints(3), interval: .seconds(1), backoff: .init(), start: .zero)
        _ = schedule.takeDue(at: .seconds(1), limit: 3)
        schedule.recordFailure("r1", at: .seconds(1))
        let new = RouterEndpoint(name: "new", stats: .unix(path: "/tmp/x"))
        schedule.setEndpoints([new, endpoints(3)[1]], at: .seconds(2))
        #expect(schedule.entries.map(\.endpoint.name) == ["new", "r1"])
        #expect(schedule["r1"]?.consecutiveFailures == 1)
        #expect(schedule["r0"] == nil)
        #expect(schedule["new"]?.nextDue == .seconds(2))
        schedule.recordSuccess("r0", at: .seconds(2)) // a removed router's late result is ignored
        #expect(schedule["r0"] == nil)
    }
}
