import CLeanRing
import Foundation
import Testing

/// The data-plane transport (a `--data-plane` value) the routers of the running test use.
public enum TransportUnderTest {
    /// The transport of the running test case: set by `.everyTransport`; otherwise
    /// `FLEETROUTER_DATA_PLANE`, or `auto`.
    @TaskLocal public static var current: String = ProcessInfo.processInfo.environment["FLEETROUTER_DATA_PLANE"] ?? "auto"

    /// The transports this machine offers: `uring` where the kernel allows io_uring (a seccomp
    /// filter or `kernel.io_uring_disabled` refuses it), `epoll` and `nio`; only the one
    /// `FLEETROUTER_DATA_PLANE` names when it names one.
    public static let available: [String] = {
        if let named = ProcessInfo.processInfo.environment["FLEETROUTER_DATA_PLANE"], named != "auto" { return [named] }
        var error: CInt = 0
        guard let ring = lean_ring_create(8, &error) else { return ["epoll", "nio"] }
        lean_ring_destroy(ring)
        return ["uring", "epoll", "nio"]
    }()
}

/// Runs each test case of the suite (or test) it marks once per transport in
/// `TransportUnderTest.available`, with `TransportUnderTest.current` naming it; every issue
/// says which transport it happened on, and an error on one transport does not stop the next.
public struct EveryTransportTrait: SuiteTrait, TestTrait, TestScoping {
    /// Transports the marked tests do not apply to (`nio` for tests of the lean loops).
    public var excluded: Set<String>

    public var isRecursive: Bool { true }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        for transport in TransportUnderTest.available where !excluded.contains(transport) {
            let label = IssueHandlingTrait.compactMapIssues { issue in
                var issue = issue
                issue.comments.append("on the \(transport) transport")
                return issue
            }
            do {
                try await TransportUnderTest.$current.withValue(transport) {
                    try await label.provideScope(for: test, testCase: testCase, performing: function)
                }
            } catch {
                Issue.record(error, "on the \(transport) transport")
            }
        }
    }
}

extension Trait where Self == EveryTransportTrait {
    /// Runs the marked tests once per transport this machine offers.
    public static var everyTransport: Self { EveryTransportTrait(excluded: []) }

    /// Runs the marked tests once per lean transport (io_uring, epoll) this machine offers.
    public static var everyLeanTransport: Self { EveryTransportTrait(excluded: ["nio"]) }
}
