import Logging

/// Keeps one router registered: grants a lease, writes the record under it, and refreshes the
/// lease every third of its TTL. When the lease is gone (the cluster restarted, or the router
/// was cut off for longer than the TTL) it registers again with a new lease; when the cluster
/// is unreachable it retries with backoff. Cancelling `run` ends the registration and revokes
/// the lease, so the router disappears at once rather than after the TTL.
public struct RouterRegistration: Sendable {
    /// Where to register.
    public let location: RegistryLocation
    /// What to register.
    public let record: RouterRecord
    /// Lease TTL in seconds.
    public let ttl: Int64
    private let client: EtcdClient
    private let logger: Logger

    /// Creates a registration of `record` under `location` with a `ttl`-second lease.
    public init(location: RegistryLocation, record: RouterRecord, ttl: Int64, client: EtcdClient, logger: Logger) {
        self.location = location
        self.record = record
        self.ttl = max(2, ttl)
        self.client = client
        self.logger = logger
    }

    /// The record's key.
    public var key: String { location.routerKey(record.name) }

    /// Registers once: a new lease and the record under it; returns the lease.
    public func register() async throws(EtcdClient.Failure) -> Int64 {
        let lease = try await client.grantLease(ttl: ttl)
        try await client.put(key, value: record.encoded(), lease: lease.id)
        return lease.id
    }

    /// Keeps the registration (starting with `lease` when already registered) until cancelled,
    /// then revokes the lease within 2 s.
    public func run(registered first: Int64? = nil) async {
        var lease = first
        var backoff = Backoff()
        var warned = false
        while !Task.isCancelled {
            do {
                if lease == nil {
                    lease = try await register()
                    if warned { logger.notice("registered in the fleet registry again", metadata: ["key": "\(key)"]) }
                    warned = false
                    backoff.reset()
                }
                try await Task.sleep(for: .seconds(Double(ttl) / 3))
                if let id = lease, try await client.keepAlive(lease: id) <= 0 {
                    logger.notice("registry lease expired; registering again", metadata: ["key": "\(key)"])
                    lease = nil
                }
            } catch is CancellationError {
                break
            } catch {
                if !warned {
                    logger.warning("fleet registry unreachable; retrying", metadata: ["key": "\(key)", "error": "\(error)"])
                    warned = true
                }
                // Without a refresh for a whole TTL the lease is gone anyway.
                lease = nil
                try? await Task.sleep(for: backoff.next())
            }
        }
        guard let lease else { return }
        // Cancelled: revoke in a fresh task so the revocation itself is not cancelled.
        let client = client
        let revoke = Task { try? await client.revoke(lease: lease) }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await revoke.value }
            group.addTask { try? await Task.sleep(for: .seconds(2)) }
            await group.next()
            group.cancelAll()
        }
    }
}
