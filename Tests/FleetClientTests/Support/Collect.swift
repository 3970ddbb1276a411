@testable import FleetClient

/// Reads results from `stream` until `done` says enough. `limit` only bounds a broken run:
/// when it passes, an empty array comes back and the caller's checks fail.
func collect(
    _ stream: AsyncStream<PollResult>, within limit: Duration = .seconds(120),
    until done: @escaping @Sendable ([PollResult]) -> Bool
) async -> [PollResult] {
    await withTaskGroup(of: [PollResult]?.self) { group in
        group.addTask {
            var seen: [PollResult] = []
            for await result in stream {
                seen.append(result)
                if done(seen) { return seen }
            }
            return seen
        }
        group.addTask {
            try? await Task.sleep(for: limit)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first ?? []
    }
}
