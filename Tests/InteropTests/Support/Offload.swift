import Foundation
import ThreadTesting

/// Runs blocking socket work on a thread of its own rather than on Swift concurrency's small
/// cooperative pool (two threads on the CI machine), so concurrent clients really run
/// concurrently and never starve the tasks that wait for process output.
@discardableResult
func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await OwnThread.run("offload") { () throws -> T in try work() }
}
