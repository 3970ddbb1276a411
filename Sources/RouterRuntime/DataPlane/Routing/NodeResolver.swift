import CLeanSockets
import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Node addresses turned into socket addresses without ever blocking an event loop.
///
/// Numeric and unix addresses are parsed on the spot. A host name is resolved on the process's
/// resolver thread (`ResolverThread`): when a subscription announces it (`prepare`, from the
/// subscription server) or, for computed mappers, on the first lookup that misses. The data
/// plane (`endpoint(for:)`) only reads the cache; a name not resolved yet counts as a failed
/// connect, as an unresolvable one always did. Results are cached (4,096 names); a resolved
/// name is refreshed in the background after `refreshAfter`, a failed one retried no sooner
/// than an exponential backoff (1 s doubling to 60 s), and at most `maximumPending` lookups
/// wait at once, so a flood of announces for made-up names costs bounded work.
public final class NodeResolver: Sendable {
    /// What the cache knows of one name.
    enum Entry: Sendable {
        case resolved(NodeEndpoint, at: NIODeadline)
        case pending(previous: NodeEndpoint?)
        case failed(attempts: Int, retryAt: NIODeadline)
    }

    struct State: Sendable {
        var entries: [String: Entry] = [:]
        var pending = 0
    }

    /// The most names kept; past it the cache starts again.
    static let cacheLimit = 4096
    /// The most lookups queued at once.
    static let maximumPending = 64
    /// A resolved name is looked up again (in the background) after this long.
    static let refreshAfter = TimeAmount.seconds(60)
    /// The longest wait before a failed name is tried again.
    static let maximumBackoff = TimeAmount.seconds(60)

    private let state = NIOLockedValueBox(State())
    private let worker: ResolverThread
    private let logger: Logger
    private let lookup: @Sendable (String, Int) throws -> SocketAddress
    private let now: @Sendable () -> NIODeadline

    /// Creates a resolver; `lookup` resolves a host name (getaddrinfo by default; injected in tests).
    public init(
        logger: Logger,
        lookup: @escaping @Sendable (String, Int) throws -> SocketAddress = { try SocketAddress.makeAddressResolvingHost($0, port: $1) },
        now: @escaping @Sendable () -> NIODeadline = { .now() }
    ) {
        self.logger = logger
        self.lookup = lookup
        self.now = now
        // The first resolver starts the thread, from the thread making it: never a subscription
        // reader, whose scheduling class a thread it started would inherit.
        self.worker = .shared
    }

    /// The endpoint for `address` if it can be had without blocking: parsed at once, or a
    /// host name already resolved. A host name not resolved yet is queued and nil returned.
    public func endpoint(for address: String) -> NodeEndpoint? {
        switch lookup(address) {
        case .numeric(let endpoint), .resolved(let endpoint): endpoint
        case .unavailable: nil
        }
    }

    /// What `lookup` found for an address.
    public enum Lookup: Sendable {
        /// A numeric or unix address, parsed now: the caller keeps it, it never changes.
        case numeric(NodeEndpoint)
        /// A host name from the cache (refreshed in the background).
        case resolved(NodeEndpoint)
        /// Malformed (logged), or a host name not resolved yet (queued).
        case unavailable
    }

    /// Finds `address` without blocking: a host name already in the cache costs no parse; any
    /// other address is parsed, and a host name not resolved yet is queued.
    public func lookup(_ address: String) -> Lookup {
        let cached: NodeEndpoint? = state.withLockedValue { state in
            switch state.entries[address] {
            case .resolved(let endpoint, _): return endpoint
            case .pending(let previous): return previous
            case .failed, nil: return nil
            }
        }
        if let cached { return .resolved(cached) }
        let parsed: NodeEndpoint.Parsed
        do {
            parsed = try NodeEndpoint.parse(address, defaultHost: "127.0.0.1")
        } catch {
            logger.warning("unable to connect() to node", metadata: ["node": "\(address)", "error": "\(error)"])
            return .unavailable
        }
        switch parsed {
        case .address(let socketAddress):
            return .numeric(NodeEndpoint(name: address, socketAddress: socketAddress))
        case .hostName(let host, let port):
            schedule(address, host: host, port: port)
            logger.debug("node host name not resolved yet", metadata: ["node": "\(address)"])
            return .unavailable
        }
    }

    /// Makes sure `address` will be resolvable without blocking: a host name is queued for
    /// resolution unless it is fresh in the cache, pending, or failed and not due for a retry.
    /// Called when a node becomes known (configured, or announced by a subscription on the
    /// subscription server's loop). Returns the endpoint of a numeric or unix address, parsed
    /// once here for the caller to keep; nil for a host name or a malformed address.
    @discardableResult
    public func prepare(_ address: String) -> NodeEndpoint? {
        switch try? NodeEndpoint.parse(address, defaultHost: "127.0.0.1") {
        case .address(let socketAddress):
            return NodeEndpoint(name: address, socketAddress: socketAddress)
        case .hostName(let host, let port):
            schedule(address, host: host, port: port)
            return nil
        case nil:
            return nil
        }
    }

    /// True once `address` is resolved (for tests and tools).
    public func isResolved(_ address: String) -> Bool {
        state.withLockedValue { if case .resolved = $0.entries[address] { true } else { false } }
    }

    /// Returns once every lookup queued before the call has finished and its result is in the
    /// cache (for tests: the thread runs its jobs in order, so one queued now runs after them).
    func waitForQueuedLookups() {
        let done = DispatchSemaphore(value: 0)
        worker.submit { done.signal() }
        done.wait()
    }

    private func schedule(_ address: String, host: String, port: Int) {
        let moment = now()
        let start = state.withLockedValue { state -> Bool in
            var previous: NodeEndpoint?
            switch state.entries[address] {
            case .pending:
                return false
            case .resolved(let endpoint, let at):
                guard moment - at >= Self.refreshAfter else { return false }
                previous = endpoint
            case .failed(_, let retryAt):
                guard moment >= retryAt else { return false }
            case nil:
                break
            }
            guard state.pending < Self.maximumPending else { return false }
            if state.entries[address] == nil && state.entries.count >= Self.cacheLimit {
                state.entries.removeAll(keepingCapacity: true)
            }
            state.pending += 1
            state.entries[address] = .pending(previous: previous)
            return true
        }
        guard start else { return }
        worker.submit { [self] in resolve(address, host: host, port: port) }
    }

    private func resolve(_ address: String, host: String, port: Int) {
        let result = Result { try lookup(host, port) }
        let moment = now()
        state.withLockedValue { state in
            state.pending -= 1
            switch result {
            case .success(let socketAddress):
                state.entries[address] = .resolved(NodeEndpoint(name: address, socketAddress: socketAddress), at: moment)
            case .failure:
                var attempts = 1
                if case .failed(let before, _)? = state.entries[address] { attempts = before + 1 }
                let backoff = TimeAmount.seconds(Int64(1) << Int64(min(attempts - 1, 6)))
                state.entries[address] = .failed(attempts: attempts, retryAt: moment + min(backoff, Self.maximumBackoff))
            }
        }
        if case .failure(let error) = result {
            logger.warning("node host name does not resolve", metadata: ["node": "\(address)", "error": "\(error)"])
        }
    }
}

/// The thread host names are resolved on (`getaddrinfo` blocks), one for the process, running
/// its jobs in order. Not a dispatch queue: libdispatch starts its worker threads from the
/// thread that queues work, and a thread inherits its starter's scheduling class and nice value,
/// so a subscription reader (`SubscriptionReceiver`, `SCHED_BATCH` at nice 19) announcing a host
/// name could leave a worker of the process's shared pool in its class for good. This thread is
/// started once, by the first `NodeResolver` made, and queuing a job starts nothing.
final class ResolverThread: Sendable {
    /// The process's resolver thread.
    static let shared = ResolverThread()

    private let jobs = NIOLockedValueBox<[@Sendable () -> Void]>([])
    private let queued = DispatchSemaphore(value: 0)

    private init() {
        let thread = Thread { [self] in
            _ = lean_set_thread_name("node-resolver")  // Foundation's Thread.name does not reach the kernel
            while true {
                queued.wait()
                let job = jobs.withLockedValue { $0.removeFirst() }
                job()
            }
        }
        thread.start()
    }

    /// Runs `job` on the thread after the jobs queued before it.
    func submit(_ job: @escaping @Sendable () -> Void) {
        jobs.withLockedValue { $0.append(job) }
        queued.signal()
    }
}
