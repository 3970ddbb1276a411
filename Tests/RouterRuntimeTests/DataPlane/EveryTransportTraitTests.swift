import DataPlaneTesting
import RouterConfig
import Synchronization
import Testing
@testable import RouterRuntime

/// The `.everyTransport` trait that runs the router suites once per transport.
@Suite("every-transport trait")
struct EveryTransportTraitTests {
    /// The transports `trait` runs a body on, in order.
    static func transports(runBy trait: EveryTransportTrait) async throws -> [String] {
        let seen = Mutex<[String]>([])
        let test = try #require(Test.current)
        try await trait.provideScope(for: test, testCase: Test.Case.current) {
            seen.withLock { $0.append(TransportUnderTest.current) }
        }
        return seen.withLock { $0 }
    }

    @Test("the body runs once per transport the machine offers, each naming its own")
    func oncePerTransport() async throws {
        let ran = try await Self.transports(runBy: .everyTransport)
        #expect(ran == TransportUnderTest.available)
        #expect(Set(ran).count == ran.count)
        for name in ran { #expect(DataPlaneChoice(rawValue: name) != nil) }
    }

    @Test("the lean variant leaves NIO out")
    func leanOnly() async throws {
        let ran = try await Self.transports(runBy: .everyLeanTransport)
        #expect(ran == TransportUnderTest.available.filter { $0 != "nio" })
    }

    @Test("io_uring is offered exactly where this machine's kernel lets a ring be created")
    func uringWhereAllowed() {
        let allowed = (try? LeanRing()) != nil
        let named = TransportUnderTest.available.count == 1
        #expect(named || TransportUnderTest.available.contains("uring") == allowed)
    }
}
