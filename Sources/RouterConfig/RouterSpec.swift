import RouterCore

/// Everything configured for one router kind, with uWSGI's defaults.
///
/// The common corerouter options live here; options of a single kind live in the
/// kind's settings value (`http`, `fastrouter`, …), which stay at their defaults for other kinds.
public struct RouterSpec: Sendable, Equatable {
    /// Which router this is.
    public let kind: RouterKind
    /// `--http`, `--https2`, `--fastrouter`, … listeners, in configuration order.
    public var listeners: [RouterListener] = []
    /// `-to`: static nodes, round robin in this order.
    public var staticNodes: [ListenAddress] = []
    /// `-subscription-server`: UDP `host:port` or UNIX datagram sockets.
    public var subscriptionServers: [ListenAddress] = []
    /// `-stats` / `-stats-server` / `-ss`.
    public var statsAddress: ListenAddress?
    /// `-cheap`: accept only while a subscription node exists.
    public var cheap = false
    /// `-fallback`: retries go to these nodes, in order.
    public var fallback: [ListenAddress] = []
    /// `-timeout`: inactivity timeout per peer, seconds.
    public var timeout = 60
    /// `-gracetime`: seconds a failed static node is skipped.
    public var gracetime = 30
    /// `-max-retries`: retries after a failed node connect.
    public var maxRetries = 3
    /// `-workers` / `-processes`: event loops for this router.
    public var workers = 1
    /// `-quiet`: silence "unable to connect() to node" lines.
    public var quiet = false
    /// `-buffer-size`: initial per-peer receive buffer, bytes (uWSGI's page size default).
    public var bufferSize = 4096
    /// The values `-buffer-size` takes: a larger one would let a pool of read buffers pin
    /// gigabytes.
    public static let bufferSizeRange = 1...(1 << 20)
    /// `-harakiri`: loop-stall watchdog, seconds; 0 is off.
    public var harakiri = 0
    /// `-events`: events (epoll) or completions (io_uring) a lean loop takes per wait; nil is
    /// the runtime's default.
    public var events: Int?
    /// The values `-events` takes.
    public static let eventsRange = 1...65536
    /// `-max-connections`: client connections open at once on each listener; one more is
    /// closed at accept and counted (fleetrouter's own, HAProxy's `maxconn`).
    public var maxConnections = ConnectionDefaults.dataPlane
    /// `-zerg`: zerg server sockets to receive listeners from.
    public var zerg: [String] = []
    /// `-use-base PREFIX`: node = prefix + key.
    public var useBase: String?
    /// `-use-pattern PATTERN`: `%s` = key.
    public var usePattern: String?
    /// `-use-cache [NAME]`: "" for the default cache.
    public var useCache: String?
    /// `-use-code-string M1:FILE:FUNC`: a C-ABI function in a shared object (modifier1 18).
    public var useCodeString: CodeStringMapper?
    /// `-use-code-socket PATH` (fleetrouter's own): an out-of-process resolver on a unix socket.
    public var useCodeSocket: String?
    /// `-use-code-resolver NAME` (fleetrouter's own): an in-process Swift resolver registered
    /// under NAME by the program that embeds the runtime.
    public var useCodeResolver: String?
    /// `-code-timeout MS`: how long a key's code resolution may take (default 1 s).
    public var codeTimeoutMilliseconds = 1000
    /// `-use-socket [N]`.
    public var useSocket: Int?
    /// `-subscription-fallback-key`: slot used when the key is unknown.
    public var subscriptionFallbackKey: String?
    /// `-resubscribe`: re-send subscription packets to these servers.
    public var resubscribe: [ListenAddress] = []
    /// `--fastrouter-resubscribe-bind`: source address of re-sent packets.
    public var resubscribeBind: ListenAddress?
    /// `--subscription-mountpoints N` as this router applies it (the process-wide value, copied
    /// in when the router starts).
    public var mountpoints = 0
    /// `-uid` (http, fastrouter): privilege drop, as written.
    public var uid: String?
    /// `-gid` (http, fastrouter): privilege drop, as written.
    public var gid: String?
    /// `-post-buffering N` (http, fastrouter): bodies are read whole before the node is
    /// connected, up to N bytes in memory and the rest spooled to an unlinked temp file; 0 is off.
    public var postBuffering = 0
    /// `-post-buffering-dir` (http, fastrouter): where spooled bodies go (uWSGI ignores it and
    /// uses `$TMPDIR`, else `/tmp`, which is also the default here).
    public var postBufferingDirectory: String?
    /// HTTP-only options.
    public var http = HTTPSettings()
    /// Fast-router-only options.
    public var fastrouter = FastrouterSettings()
    /// Raw-router-only options.
    public var rawrouter = RawrouterSettings()
    /// SSL-router-only options.
    public var sslrouter = SSLRouterSettings()
    /// Forkpty-router-only options.
    public var forkpty = ForkptySettings()
    /// Tuntap-only options.
    public var tuntap = TuntapSettings()

    /// Creates a router of `kind` with uWSGI's defaults.
    public init(kind: RouterKind) {
        self.kind = kind
    }

    /// The HTTP header timeout in force (`--http-headers-timeout`, else `timeout`).
    public var effectiveHeadersTimeout: Int { http.headersTimeout ?? timeout }

    /// The node connect timeout in force (`--http-connect-timeout` on http, else `timeout`).
    public var effectiveConnectTimeout: Int { http.connectTimeout ?? timeout }

    /// The one mapper uWSGI would use, by its priority order; `.none` when none is configured.
    public var activeMapper: MapperKind {
        configuredMappers.first ?? .none
    }

    /// Every mapper configured, in uWSGI's priority order.
    public var configuredMappers: [MapperKind] {
        var found: [MapperKind] = []
        if useCache != nil { found.append(.cache) }
        if let usePattern { found.append(.pattern(usePattern)) }
        if !subscriptionServers.isEmpty { found.append(.subscription) }
        if let useBase { found.append(.base(useBase)) }
        if useCodeString != nil || useCodeSocket != nil || useCodeResolver != nil { found.append(.code) }
        if let useSocket { found.append(.socket(useSocket)) }
        if !staticNodes.isEmpty { found.append(.staticNodes) }
        return found
    }
}

/// `-use-code-string MODIFIER1:SCRIPT:FUNCTION`, split as uWSGI splits it.
public struct CodeStringMapper: Sendable, Equatable {
    /// The language plugin's modifier1 (0 Python, 6 Lua).
    public var modifier1: Int
    /// The script file.
    public var script: String
    /// The function called with the key.
    public var function: String

    /// Creates a code-string mapper description.
    public init(modifier1: Int, script: String, function: String) {
        self.modifier1 = modifier1
        self.script = script
        self.function = function
    }

    /// Parses `M1:SCRIPT:FUNC`; the script may itself contain `:`.
    init(parsing text: String) throws(ValueError) {
        let expected = "MODIFIER1:FILE:FUNCTION, e.g. 18:/usr/lib/router.so:route"
        guard let first = text.firstIndex(of: ":"), let last = text.lastIndex(of: ":"), first < last else {
            throw ValueError(expected: expected)
        }
        let script = String(text[text.index(after: first)..<last])
        let function = String(text[text.index(after: last)...])
        guard !script.isEmpty, !function.isEmpty else { throw ValueError(expected: expected) }
        self.init(modifier1: try ValueParse.int(String(text[..<first]), in: 0...255, unit: "modifier1"),
                  script: script, function: function)
    }
}
