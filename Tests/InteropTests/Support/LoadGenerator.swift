import Foundation

/// Concurrent HTTP clients for load tests: `connections` keep-alive clients, each on a thread
/// of its own, take request slots from a shared budget until it is used up or `stop()` is
/// called. Every request is recorded with its start and end instants, so a test can tell
/// which requests overlapped an event (a node's death) and which came after it; the test
/// waits for progress (`waitUntil`) as an event.
final class LoadGenerator: Sendable {
    /// How one request ended.
    enum Outcome: Sendable, Hashable {
        /// A response arrived.
        case response(status: Int, node: String?)
        /// No response: the error (refused, reset, closed, timeout), as text.
        case failure(String)
    }

    /// One request.
    struct Sample: Sendable {
        /// When the client began to send it.
        let started: ContinuousClock.Instant
        /// When its response (or failure) was complete.
        let finished: ContinuousClock.Instant
        /// What came back.
        let outcome: Outcome

        /// True for a 200 response.
        var succeeded: Bool {
            if case .response(200, _) = outcome { return true }
            return false
        }

        /// The node that answered a successful request.
        var node: String? {
            if case .response(200, let node) = outcome { return node }
            return nil
        }
    }

    /// Progress shared by the client threads.
    struct Progress: Sendable {
        /// Requests handed out so far.
        var issued = 0
        /// Finished requests, in completion order.
        var samples: [Sample] = []
        /// Set by `stop()`: clients take no new request.
        var stopped = false
        /// Clients still running.
        var running = 0
    }

    private let endpoint: Endpoint
    private let connections: Int
    private let budget: Int
    private let path: String
    private let progress = WatchedState(Progress())

    /// `connections` clients sharing a budget of at most `budget` requests for `path`.
    init(_ endpoint: Endpoint, connections: Int = 8, budget: Int, path: String = "/") {
        self.endpoint = endpoint
        self.connections = connections
        self.budget = budget
        self.path = path
    }

    /// Starts the clients.
    func start() {
        progress.update { $0.running = connections }
        for _ in 0..<connections {
            let endpoint = self.endpoint, budget = self.budget, path = self.path, progress = self.progress
            Thread {
                Self.runClient(endpoint: endpoint, budget: budget, path: path, progress: progress)
            }.start()
        }
    }

    /// Asks the clients to take no new request (the ones in flight finish).
    func stop() {
        progress.update { $0.stopped = true }
    }

    /// Waits until `condition` holds for the progress so far.
    func waitUntil(_ what: String, timeout: Duration = .seconds(30), _ condition: @escaping @Sendable (Progress) -> Bool) async throws {
        try await progress.wait(for: "load: \(what)", timeout: timeout) { progress in
            condition(progress) ? .success(()) : nil
        }
    }

    /// Waits until every client has finished and returns all samples.
    func finish(timeout: Duration = .seconds(30)) async throws -> [Sample] {
        try await progress.wait(for: "load: every client finished", timeout: timeout) { progress in
            progress.running == 0 ? .success(progress.samples) : nil
        }
    }

    private static func runClient(endpoint: Endpoint, budget: Int, path: String, progress: WatchedState<Progress>) {
        let client = HTTPClient(endpoint, timeout: .seconds(10))
        while progress.update({ progress -> Bool in
            guard !progress.stopped, progress.issued < budget else { return false }
            progress.issued += 1
            return true
        }) {
            let started = ContinuousClock.now
            let outcome: Outcome
            do {
                let response = try client.request("GET", path)
                outcome = .response(status: response.status, node: response.node)
            } catch {
                // A client never retries: whatever the router let through is what is counted.
                outcome = .failure("\(error)")
                client.disconnect()
            }
            let sample = Sample(started: started, finished: ContinuousClock.now, outcome: outcome)
            progress.update { $0.samples.append(sample) }
        }
        progress.update { $0.running -= 1 }
    }
}
