import FleetModel
import RouterWire
import Synchronization

/// An in-memory `FleetControl` for tests and the dashboard's screen tests: serves documents
/// set by the test, records every edit, and applies edits to its documents the way each
/// router flavor would.
public actor FakeFleetControl: FleetControl {
    /// The error `poll` throws for a router set unreachable.
    public struct PollError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The message given by the test.
        public var message: String
        /// The message.
        public var description: String { message }

        /// An error carrying `message`.
        public init(message: String) {
            self.message = message
        }
    }

    /// One edit as received.
    public struct ReceivedEdit: Sendable, Hashable {
        /// The router it was sent to.
        public var router: RouterID
        /// The edit.
        public var edit: FleetEdit
        /// What the fake answered.
        public var outcome: EditOutcome
        /// The chosen router alone or its whole process.
        public var reach: EditReach = .chosenRouter
    }

    /// Documents served by `poll`, by router.
    public private(set) var documents: [RouterID: StatsDocument]
    /// Routers whose polls fail, with the error message.
    public private(set) var pollErrors: [RouterID: String] = [:]
    /// Outcomes forced by the test, by router (instead of applying the edit).
    public private(set) var forcedOutcomes: [RouterID: EditOutcome] = [:]
    /// Every edit received, in order.
    public private(set) var receivedEdits: [ReceivedEdit] = []
    /// Polls answered or failed, by router.
    public private(set) var pollCounts: [RouterID: Int] = [:]
    private nonisolated let trusted = Mutex<[LearnedAdminAddress]>([])

    /// Every admin address the operator confirmed, in order.
    public nonisolated var trustedAdminAddresses: [LearnedAdminAddress] { trusted.withLock { $0 } }

    /// Creates a fake serving `documents`.
    public init(documents: [RouterID: StatsDocument] = [:], pollErrors: [RouterID: String] = [:]) {
        self.documents = documents
        self.pollErrors = pollErrors
    }

    /// Serves `document` for `router` (and clears its poll error).
    public func setDocument(_ document: StatsDocument, for router: RouterID) {
        documents[router] = document
        pollErrors[router] = nil
    }

    /// Makes polls of `router` fail with `message`; nil makes them succeed again.
    public func setPollError(_ message: String?, for router: RouterID) {
        pollErrors[router] = message
    }

    /// Forces the outcome of edits to `router`; nil goes back to applying them.
    public func setForcedOutcome(_ outcome: EditOutcome?, for router: RouterID) {
        forcedOutcomes[router] = outcome
    }

    /// Returns the router's document or throws its poll error.
    public func poll(_ router: RouterEndpoint) async throws -> StatsDocument {
        pollCounts[router.id, default: 0] += 1
        if let message = pollErrors[router.id] { throw PollError(message: message) }
        guard let document = documents[router.id] else {
            throw PollError(message: "connection refused (\(router.stats))")
        }
        return document
    }

    /// Records the confirmation (the fake sends no tokens).
    public nonisolated func trustAdminAddress(_ address: StatsAddress, for router: RouterID) {
        trusted.withLock { $0.append(LearnedAdminAddress(router: router, address: address)) }
    }

    /// Applies the edit to the stored document as the router's flavor would, and records it.
    public func apply(_ edit: FleetEdit, to router: RouterEndpoint, reach: EditReach) async throws -> EditOutcome {
        let outcome: EditOutcome
        if let forced = forcedOutcomes[router.id] {
            outcome = forced
        } else if let problem = edit.validationError {
            outcome = .refused(reason: problem)
        } else if var document = documents[router.id] {
            let capabilities = RouterCapabilities(document: document, endpoint: router, readOnly: false)
            let availability = capabilities.availability(of: edit)
            if case let .unavailable(reason) = availability {
                outcome = .refused(reason: reason)
            } else {
                outcome = document.applyForTesting(edit, temporary: availability.reason)
                documents[router.id] = document
            }
        } else {
            outcome = .failed(error: "connection refused (\(router.admin?.description ?? router.stats.description))")
        }
        receivedEdits.append(ReceivedEdit(router: router.id, edit: edit, outcome: outcome, reach: reach))
        return outcome
    }
}
