import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A client of etcd v3 through its JSON gateway: the few calls a fleet registry needs (range,
/// put, delete, leases, watch), each bounded by a deadline.
///
/// Calls go to the endpoint that answered last; when it cannot be reached or reports itself
/// unavailable, the next endpoint is tried, each at most once per call, so a cluster keeps
/// serving while a member is down.
public final class EtcdClient: Sendable {
    /// Why a call failed.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// What was asked (`put /fleet/routers/a`).
        public var call: String
        /// Why, per endpoint tried.
        public var reasons: [String]
        /// The cluster refused the authentication token (expired or revoked): authenticate
        /// again and retry.
        var tokenRejected = false

        /// One line naming the call and every endpoint's reason.
        public var description: String { "etcd \(call): \(reasons.joined(separator: "; "))" }
    }

    /// The endpoints, in failover order.
    public let endpoints: [RegistryEndpoint]
    /// Deadline of one unary call (connect, request, whole response).
    public let timeout: Duration
    /// Who the client authenticates as (a cluster with authentication on); nil: nobody.
    public let credentials: EtcdCredentials?
    private let group: any EventLoopGroup
    private let preferred = NIOLockedValueBox(0)
    /// The token of the last authentication, sent with every call until the cluster refuses it.
    private let token = NIOLockedValueBox<String?>(nil)

    /// Creates a client of the cluster at `endpoints` (at least one), authenticating as
    /// `credentials` when given.
    public init(
        endpoints: [RegistryEndpoint], credentials: EtcdCredentials? = nil, timeout: Duration = .seconds(5),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        precondition(!endpoints.isEmpty, "an etcd client needs an endpoint")
        self.endpoints = endpoints
        self.credentials = credentials
        self.timeout = timeout
        self.group = group
    }

    /// Creates a client of the registry's cluster, with its credentials.
    public convenience init(location: RegistryLocation, timeout: Duration = .seconds(5)) {
        self.init(endpoints: location.endpoints, credentials: location.credentials, timeout: timeout)
    }

    /// Every key under `prefix`, and the store's revision at the time of the read.
    public func range(prefix: String) async throws(Failure) -> (kvs: [EtcdKeyValue], revision: Int64) {
        let key = Data(prefix.utf8)
        let response: RangeResponse = try await unary(
            "/v3/kv/range", RangeRequest(key: key, rangeEnd: etcdPrefixEnd(key), limit: nil), call: "range \(prefix)")
        return (response.kvs ?? [], response.header?.revision?.value ?? 0)
    }

    /// Writes `value` at `key`, attached to `lease` when given; returns the new revision.
    @discardableResult
    public func put(_ key: String, value: Data, lease: Int64? = nil) async throws(Failure) -> Int64 {
        let response: HeaderOnlyResponse = try await unary(
            "/v3/kv/put", PutRequest(key: Data(key.utf8), value: value, lease: lease.map(EtcdInt64.init)), call: "put \(key)")
        return response.header?.revision?.value ?? 0
    }

    /// Removes `key`.
    public func delete(_ key: String) async throws(Failure) {
        let _: HeaderOnlyResponse = try await unary("/v3/kv/deleterange", DeleteRangeRequest(key: Data(key.utf8)), call: "delete \(key)")
    }

    /// A new lease of `ttl` seconds; returns its id and the TTL granted.
    public func grantLease(ttl: Int64) async throws(Failure) -> (id: Int64, ttl: Int64) {
        let response: LeaseGrantResponse = try await unary("/v3/lease/grant", LeaseGrantRequest(TTL: EtcdInt64(ttl)), call: "lease grant")
        guard let id = response.ID?.value, id != 0 else {
            throw Failure(call: "lease grant", reasons: [response.error ?? "the answer carries no lease id"])
        }
        return (id, response.TTL?.value ?? ttl)
    }

    /// Refreshes lease `id`; returns its remaining TTL, 0 when the lease no longer exists.
    public func keepAlive(lease id: Int64) async throws(Failure) -> Int64 {
        let response: LeaseKeepAliveMessage = try await unary("/v3/lease/keepalive", LeaseIDRequest(ID: EtcdInt64(id)), call: "lease keepalive")
        return response.result?.TTL?.value ?? 0
    }

    /// Ends lease `id` now, removing every key attached to it.
    public func revoke(lease id: Int64) async throws(Failure) {
        let _: HeaderOnlyResponse = try await unary("/v3/lease/revoke", LeaseIDRequest(ID: EtcdInt64(id)), call: "lease revoke")
    }

    /// Watches every key under `prefix` from `revision` on. The stream ends when the cluster
    /// cancels the watch (`compacted` when `revision` is no longer kept) and fails when the
    /// connection breaks; the caller resumes from the last revision it saw plus one.
    public func watch(prefix: String, from revision: Int64) -> AsyncThrowingStream<WatchUpdate, any Error> {
        let key = Data(prefix.utf8)
        let request = WatchCreate(createRequest: .init(
            key: key, rangeEnd: etcdPrefixEnd(key), startRevision: EtcdInt64(revision), progressNotify: true))
        let endpoint = currentEndpoint()
        let body: ByteBuffer
        do {
            body = ByteBuffer(bytes: try JSONEncoder().encode(request))
        } catch {
            return AsyncThrowingStream { $0.finish(throwing: error) }
        }
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let authorization = try await self.authorization(refresh: false)
                    let messages = EtcdExchange.start(endpoint: endpoint.endpoint, path: "/v3/watch", body: body, authorization: authorization,
                                                      connectTimeout: self.timeout, group: self.group)
                    for try await message in messages {
                        let decoded = try JSONDecoder().decode(WatchMessage.self, from: Data(message.readableBytesView))
                        if let error = decoded.error {
                            var failure = Failure(call: "watch \(prefix)", reasons: ["\(endpoint.endpoint): \(error.message ?? "stream error")"])
                            if Self.isTokenProblem(error.message ?? "") {
                                // The caller resumes the watch; the next one authenticates afresh.
                                self.token.withLockedValue { $0 = nil }
                                failure.tokenRejected = true
                            }
                            throw failure
                        }
                        guard let result = decoded.result else { continue }
                        let revision = result.header?.revision?.value ?? 0
                        if let compacted = result.compactRevision?.value, compacted > 0 {
                            continuation.yield(.compacted(oldest: compacted))
                            break
                        }
                        if result.canceled == true {
                            continuation.yield(.canceled(reason: result.cancelReason ?? "canceled by the cluster"))
                            break
                        }
                        if result.created == true {
                            continuation.yield(.created(revision: revision))
                        }
                        if let events = result.events, !events.isEmpty {
                            continuation.yield(.events(events, revision: revision))
                        } else if result.created != true {
                            continuation.yield(.progress(revision: revision))
                        }
                    }
                    continuation.finish()
                } catch {
                    if let failure = error as? Failure, failure.tokenRejected || failure.call.hasPrefix("authenticate") {
                        continuation.finish(throwing: error)
                        return
                    }
                    self.failed(endpoint.index)
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// What a conditional write requires of the key.
    public enum Precondition: Sendable, Hashable {
        /// The key does not exist.
        case absent
        /// The key was last written at this revision (nobody changed it since it was read).
        case unchangedSince(Int64)
    }

    /// The outcome of a conditional write.
    public enum ConditionalOutcome: Sendable, Hashable {
        /// Written (or deleted) at this revision.
        case done(revision: Int64)
        /// The precondition failed; the key as it is now (nil when it does not exist).
        case conflict(current: EtcdKeyValue?)
    }

    /// Writes `value` at `key` only if `precondition` holds, in one transaction.
    public func put(_ key: String, value: Data, if precondition: Precondition) async throws(Failure) -> ConditionalOutcome {
        try await transaction(key, precondition, success: .init(requestPut: PutRequest(key: Data(key.utf8), value: value, lease: nil)), call: "conditional put \(key)")
    }

    /// Deletes `key` only if it was last written at `revision`, in one transaction.
    public func delete(_ key: String, ifUnchangedSince revision: Int64) async throws(Failure) -> ConditionalOutcome {
        try await transaction(key, .unchangedSince(revision), success: .init(requestDeleteRange: DeleteRangeRequest(key: Data(key.utf8))), call: "conditional delete \(key)")
    }

    private func transaction(
        _ key: String, _ precondition: Precondition, success: TxnRequest.Operation, call: String
    ) async throws(Failure) -> ConditionalOutcome {
        let bytes = Data(key.utf8)
        let compare: TxnRequest.Compare
        switch precondition {
        case .absent: compare = .init(key: bytes, target: "CREATE", createRevision: EtcdInt64(0))
        case .unchangedSince(let revision): compare = .init(key: bytes, target: "MOD", modRevision: EtcdInt64(revision))
        }
        let request = TxnRequest(compare: [compare], success: [success],
                                 failure: [.init(requestRange: RangeRequest(key: bytes, rangeEnd: Data(), limit: nil))])
        let response: TxnResponse = try await unary("/v3/kv/txn", request, call: call)
        if response.succeeded == true { return .done(revision: response.header?.revision?.value ?? 0) }
        return .conflict(current: response.responses?.first?.responseRange?.kvs?.first)
    }

    /// The member that answers (the first endpoint reachable) and the leader it knows.
    public func status() async throws(Failure) -> (member: UInt64, leader: UInt64) {
        let response: StatusResponse = try await unary("/v3/maintenance/status", EmptyRequest(), call: "status")
        return (response.header?.memberID?.value ?? 0, response.leader?.value ?? 0)
    }

    // MARK: Unary calls and failover

    private func currentEndpoint() -> (index: Int, endpoint: RegistryEndpoint) {
        let index = preferred.withLockedValue { $0 } % endpoints.count
        return (index, endpoints[index])
    }

    /// Moves the preferred endpoint past `index` (unless another call already did).
    private func failed(_ index: Int) {
        preferred.withLockedValue { current in
            if current % endpoints.count == index { current = (index + 1) % endpoints.count }
        }
    }

    /// One call, authenticated when the client has credentials: with the cached token, and
    /// once more with a fresh one when the cluster refuses the token (it expired).
    func unary<Request: Encodable, Response: Decodable>(
        _ path: String, _ request: Request, call: String
    ) async throws(Failure) -> Response {
        let authorization = try await self.authorization(refresh: false)
        do {
            return try await send(path, request, call: call, authorization: authorization)
        } catch where error.tokenRejected && credentials != nil {
            return try await send(path, request, call: call, authorization: try await self.authorization(refresh: true))
        }
    }

    /// The token to send: none without credentials, the cached one, or a new one from
    /// `/v3/auth/authenticate` (when none is cached or `refresh`).
    private func authorization(refresh: Bool) async throws(Failure) -> String? {
        guard let credentials else { return nil }
        if !refresh, let cached = token.withLockedValue({ $0 }) { return cached }
        let response: AuthenticateResponse = try await send(
            "/v3/auth/authenticate", AuthenticateRequest(name: credentials.user, password: credentials.password),
            call: "authenticate as \(credentials.user)", authorization: nil)
        guard let fresh = response.token, !fresh.isEmpty else {
            throw Failure(call: "authenticate as \(credentials.user)", reasons: ["the cluster answered without a token (is authentication on?)"])
        }
        token.withLockedValue { $0 = fresh }
        return fresh
    }

    /// True for the cluster's words for a token it no longer accepts.
    static func isTokenProblem(_ message: String) -> Bool {
        message.contains("invalid auth token") || message.contains("auth token is expired") || message.contains("revision of auth store is old")
    }

    /// The reason for a refusal about who the caller is, with what to do about it.
    static func authenticationReason(_ message: String, code: Int?, credentials: EtcdCredentials?) -> String? {
        if message.contains("user name is empty") || code == 16 && credentials == nil {
            return "the cluster has authentication on and this call carries no credentials: give a user and a password file "
                + "(fleettop --registry-user/--registry-password-file, fleetrouter --fleet-registry-user/--fleet-registry-password-file)"
        }
        if message.contains("authentication failed") {
            return "the cluster refused \(credentials.map { "\($0)" } ?? "the credentials"): wrong user name or password"
        }
        if message.contains("permission denied") {
            return "\(credentials.map { "\($0)" } ?? "this caller") may not do this under the fleet's prefix (etcd: permission denied)"
        }
        return nil
    }

    /// One call through the failover loop, with `authorization` as given.
    private func send<Request: Encodable, Response: Decodable>(
        _ path: String, _ request: Request, call: String, authorization: String?
    ) async throws(Failure) -> Response {
        let body: ByteBuffer
        do {
            body = ByteBuffer(bytes: try JSONEncoder().encode(request))
        } catch {
            throw Failure(call: call, reasons: ["cannot encode the request: \(error)"])
        }
        var reasons: [String] = []
        let start = currentEndpoint().index
        for step in 0..<endpoints.count {
            let index = (start + step) % endpoints.count
            let endpoint = endpoints[index]
            do {
                let message = try await Self.firstMessage(
                    EtcdExchange.start(endpoint: endpoint, path: path, body: body, authorization: authorization,
                                       connectTimeout: timeout, group: group),
                    timeout: timeout)
                do {
                    let response = try JSONDecoder().decode(Response.self, from: Data(message.readableBytesView))
                    if index != start { preferred.withLockedValue { $0 = index } }
                    return response
                } catch {
                    throw Failure(call: call, reasons: ["\(endpoint): the answer is not the expected JSON: \(error)"])
                }
            } catch let failure as Failure {
                throw failure
            } catch let failure as EtcdExchange.Failure {
                switch failure {
                // 14 = UNAVAILABLE: the member lost its cluster; another may serve.
                case .unreachable, .broken, .status(_, code: 14, message: _), .status(503, code: _, message: _):
                    reasons.append("\(endpoint): \(Self.describe(failure))")
                    continue
                case let .status(_, code, message):
                    if Self.isTokenProblem(message) {
                        token.withLockedValue { $0 = nil }
                        throw Failure(call: call, reasons: ["\(endpoint): \(Self.describe(failure))"], tokenRejected: true)
                    }
                    let reason = Self.authenticationReason(message, code: code, credentials: credentials) ?? Self.describe(failure)
                    throw Failure(call: call, reasons: ["\(endpoint): \(reason)"])
                case .tooLarge:
                    throw Failure(call: call, reasons: ["\(endpoint): \(Self.describe(failure))"])
                }
            } catch is TimedOut {
                reasons.append("\(endpoint): no answer within \(timeout)")
                continue
            } catch {
                throw Failure(call: call, reasons: ["\(endpoint): \(error)"])
            }
        }
        failed(start)
        throw Failure(call: call, reasons: reasons)
    }

    private struct TimedOut: Error {}

    /// The first message of `messages`, or `TimedOut` after `timeout`; the exchange is closed
    /// either way.
    private static func firstMessage(
        _ messages: AsyncThrowingStream<ByteBuffer, any Error>, timeout: Duration
    ) async throws -> ByteBuffer {
        try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask {
                for try await message in messages { return message }
                throw EtcdExchange.Failure.broken("the response carried no message")
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw TimedOut()
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let message = next { return message }
            }
            throw TimedOut()
        }
    }

    private static func describe(_ failure: EtcdExchange.Failure) -> String {
        switch failure {
        case .unreachable(let reason): "unreachable (\(reason))"
        case .broken(let reason): reason
        case let .status(status, code, message): "HTTP \(status)\(code.map { " (gRPC code \($0))" } ?? ""): \(message)"
        case .tooLarge(let limit): "a message larger than \(limit) bytes"
        }
    }
}

/// What a watch stream reports.
public enum WatchUpdate: Sendable, Hashable {
    /// The watch is in place; the store was at `revision`.
    case created(revision: Int64)
    /// Keys changed, up to `revision`.
    case events([EtcdWatchEvent], revision: Int64)
    /// Nothing changed up to `revision` (a progress notification).
    case progress(revision: Int64)
    /// The start revision was compacted away; re-read the prefix and watch from there.
    case compacted(oldest: Int64)
    /// The cluster ended the watch.
    case canceled(reason: String)
}
