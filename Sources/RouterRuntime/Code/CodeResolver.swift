import RouterCore

/// A code forwarder's resolver: turns a routing key into a node address (or none), off the
/// data plane.
///
/// The runtime calls `resolve` from a task of its own, never from a data-plane loop, with a
/// deadline (`--xxx-code-timeout`, 1 s by default): a call that throws, outlives the deadline
/// or answers an address that does not parse costs only the requests waiting for that key
/// (502 over HTTP, a close on stream routers), counted and logged. Concurrent requests for one
/// key share one call, and an answer is cached for the `ttl` it carries.
///
/// `resolve` is `async`: it may await I/O, but must not block its thread (a blocking call
/// holds one of the few threads of Swift's cooperative pool); run blocking code on a thread of
/// your own, as `SharedObjectCodeResolver` does. It is cancelled when its deadline passes.
///
/// Plug one in from a package that depends on RouterRuntime:
///
/// ```swift
/// let (configuration, _) = try RouterConfiguration.parse(
///     arguments: ["--http", ":8080", "--http-use-code-resolver", "tenants"], fileReader: FleetRouterCommand.readFile)
/// let process = try await FleetRouterProcess.start(
///     configuration: configuration, logger: logger, codeResolvers: ["tenants": TenantResolver()])
/// try await process.run()
/// ```
public protocol CodeResolver: Sendable {
    /// The node for `key` (the routing key's raw bytes: the Host header, the fastrouter key,
    /// the raw listener's name), with how long the answer may be reused.
    func resolve(key: [UInt8]) async throws -> CodeRoute
}

/// A resolver's answer: a node (or none) and how long the router may reuse the answer.
public struct CodeRoute: Sendable, Hashable {
    /// The node (`host:port`, a unix path, `@abstract`, with an optional modifier1); nil when
    /// the key has no node (503 over HTTP, a close on stream routers, as any unknown key).
    public var node: NodeAddress?
    /// How long the answer may be reused for the same key; zero: ask again next time.
    public var ttl: Duration

    /// Creates an answer.
    public init(node: NodeAddress?, ttl: Duration = .zero) {
        self.node = node
        self.ttl = ttl
    }

    /// The longest address a resolver may answer (uWSGI keeps node names within this too).
    public static let maximumAddressLength = 1024

    /// Parses `addr` or `addr,modifier1` as a resolver wrote it (surrounding spaces and one
    /// trailing newline allowed); empty means no node. Throws `CodeResolverError.invalidAnswer`
    /// naming what is wrong.
    public init(parsing bytes: some Collection<UInt8>, ttl: Duration = .zero) throws(CodeResolverError) {
        guard bytes.count <= Self.maximumAddressLength else {
            throw .invalidAnswer("address of \(bytes.count) bytes; at most \(Self.maximumAddressLength) expected")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .invalidAnswer("address is not UTF-8")
        }
        let trimmed = text.codeTrimmed
        guard !trimmed.isEmpty else {
            self.init(node: nil, ttl: ttl)
            return
        }
        let node: NodeAddress
        do {
            node = try NodeAddress(parsing: Substring(trimmed), in: trimmed)
        } catch {
            throw .invalidAnswer("\"\(trimmed.prefix(80))\": \(error)")
        }
        self.init(node: node, ttl: ttl)
    }
}

/// Why a code forwarder could not resolve a key (each costs only the requests for that key).
public enum CodeResolverError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The resolver's answer is not a node address.
    case invalidAnswer(String)
    /// The resolver reported a failure (a C function's negative return, an error status).
    case failed(String)
    /// The resolution outlived its deadline.
    case timedOut(milliseconds: Int)
    /// A call for this key is still running past its deadline: no second one is started.
    case stillRunning
    /// Too many resolutions are running or queued.
    case busy(limit: Int)
    /// The key is longer than a resolver is given.
    case keyTooLong(bytes: Int, limit: Int)

    /// The words used in logs.
    public var description: String {
        switch self {
        case .invalidAnswer(let why): "invalid answer: \(why)"
        case .failed(let why): "resolver failed: \(why)"
        case .timedOut(let milliseconds): "no answer within \(milliseconds) ms"
        case .stillRunning: "an earlier call for this key is still running past its deadline"
        case .busy(let limit): "\(limit) resolutions already running or queued"
        case .keyTooLong(let bytes, let limit): "key of \(bytes) bytes; at most \(limit) are resolved"
        }
    }

    /// The metrics label of the failure.
    var kind: String {
        switch self {
        case .invalidAnswer: "invalid"
        case .failed: "error"
        case .timedOut, .stillRunning: "timeout"
        case .busy, .keyTooLong: "refused"
        }
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs, CRs and LFs.
    var codeTrimmed: String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else { return "" }
        return String(self[first...last])
    }
}
