import NIOCore

extension StatsDocument {
    /// The short router names uWSGI uses as the listener list's key.
    public static let listenerListNames: Set<String> = ["http", "fastrouter", "rawrouter", "sslrouter", "forkptyrouter"]

    /// Decodes a stats document as a real uWSGI router or fleetrouter writes it: strict JSON is
    /// taken as is; anything else is first repaired (`LenientJSONRepair`: trailing commas, raw
    /// control bytes, unescaped quotes and backslashes, invalid UTF-8) and then parsed.
    /// Throws `WireError.malformedStats` naming the byte offset or the key at fault.
    public static func decode(lenient bytes: some Collection<UInt8>) throws(WireError) -> StatsDocument {
        if let document = bytes.withContiguousStorageIfAvailable(decodeSinglePass) ?? nil { return document }
        return try decodeThroughTree(lenient: bytes)
    }

    /// The full lenient path: parse (repairing if needed) into a `JSONValue` tree, then map it.
    /// It decides every input the single pass gives up on, and is its reference in tests.
    static func decodeThroughTree(lenient bytes: some Collection<UInt8>) throws(WireError) -> StatsDocument {
        let result: Result<JSONValue, WireError>? = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(WireError) in try parseLeniently(buffer) }
        }
        let json: JSONValue
        if let result {
            json = try result.get()
        } else {
            json = try Array(bytes).withUnsafeBufferPointer { buffer throws(WireError) in try parseLeniently(buffer) }
        }
        return try StatsDocument(json: json)
    }

    /// Decodes the readable bytes of `buffer` leniently (see `decode(lenient:)`), leaving it unchanged.
    public static func decode(lenient buffer: ByteBuffer) throws(WireError) -> StatsDocument {
        try decode(lenient: buffer.readableBytesView)
    }

    /// Decodes strict JSON only (no repair), as fleetrouter's own output always is.
    public static func decode(strict bytes: some Collection<UInt8>) throws(WireError) -> StatsDocument {
        if let document = bytes.withContiguousStorageIfAvailable(decodeSinglePass) ?? nil { return document }
        return try StatsDocument(json: JSONValue(parsing: bytes))
    }

    private static func parseLeniently(_ buffer: UnsafeBufferPointer<UInt8>) throws(WireError) -> JSONValue {
        do {
            return try JSONParser.parse(buffer)
        } catch {
            // Valid JSON is never repaired; only text that fails strictly goes through the repair.
        }
        let repaired = LenientJSONRepair.repair(buffer)
        do {
            return try JSONParser.parse(repaired.bytes)
        } catch {
            throw error.statsError(at: repaired.inputOffset(of: error.offset))
        }
    }

    /// Builds the document from parsed JSON. Unknown keys are ignored; a uWSGI key that must be
    /// a number must be an unsigned integer; `null` counts as absent for optional keys.
    public init(json: JSONValue) throws(WireError) {
        let path = StatsPath.document
        let members = try StatsField.members(json, path)
        var version: String?, pid: UInt64?, uid: UInt64?, gid: UInt64?, cwd: String?
        var activeSessions: UInt64?, listeners: ListenerList?, cheap: UInt64?
        var staticNodes: [StaticNode]?, subscriptions: [Slot]?, peers: [TuntapPeer]?
        var kind: String?, admin: String?, adminRouter: String?, cheapMode: CheapMode?, sessions: [Session]?
        var refusedConnections: UInt64?, subscriptionDrops: [String: UInt64]?
        var tuntapFirewall: TuntapFirewall?
        var tls: TLSState?
        var looksLikeInstanceStats = false
        for member in members {
            let value = member.value
            switch member.key {
            case "version": version = try StatsField.string(value, "version", path)
            case "pid": pid = try StatsField.unsigned(value, "pid", path)
            case "uid": uid = try StatsField.unsigned(value, "uid", path)
            case "gid": gid = try StatsField.unsigned(value, "gid", path)
            case "cwd": cwd = try StatsField.string(value, "cwd", path)
            case "active_sessions": activeSessions = try StatsField.unsigned(value, "active_sessions", path)
            case "cheap": cheap = try StatsField.unsigned(value, "cheap", path)
            case "refused_connections": refusedConnections = try StatsField.unsigned(value, "refused_connections", path)
            case "subscription_drops": subscriptionDrops = try StatsField.counts(value, "subscription_drops", path)
            case "static_nodes":
                staticNodes = try StatsField.objects(value, "static_nodes", path) { item, itemPath throws(WireError) in
                    try StaticNode(json: item, path: itemPath)
                }
            case "subscriptions":
                subscriptions = try StatsField.objects(value, "subscriptions", path) { item, itemPath throws(WireError) in
                    try Slot(json: item, path: itemPath)
                }
            case "peers":
                peers = try StatsField.objects(value, "peers", path) { item, itemPath throws(WireError) in
                    try TuntapPeer(json: item, path: itemPath)
                }
            case "firewall": tuntapFirewall = try TuntapFirewall(json: value, path: path)
            case "tls": tls = try TLSState(json: value, path: path)
            case "kind": kind = try StatsField.string(value, "kind", path)
            case "admin": admin = try StatsField.string(value, "admin", path)
            case "admin_router": adminRouter = try StatsField.string(value, "admin_router", path)
            case "cheap_mode":
                if let text = try StatsField.string(value, "cheap_mode", path) {
                    guard let mode = CheapMode(rawValue: text) else {
                        throw .malformedStats(reason: "document.cheap_mode is \"\(text)\", expected auto, on or off")
                    }
                    cheapMode = mode
                }
            case "sessions":
                sessions = try StatsField.objects(value, "sessions", path) { item, itemPath throws(WireError) in
                    try Session(json: item, path: itemPath)
                }
            case "workers", "sockets", "listen_queue":
                looksLikeInstanceStats = true
            default:
                if listeners == nil, Self.listenerListNames.contains(member.key), case .array(let items) = value {
                    var addresses: [String] = []
                    addresses.reserveCapacity(items.count)
                    for item in items {
                        guard case .string(let address) = item else { break }
                        addresses.append(address)
                    }
                    if addresses.count == items.count {
                        listeners = ListenerList(routerName: member.key, addresses: addresses)
                    }
                }
            }
        }
        if listeners == nil, peers == nil, activeSessions == nil, cheap == nil {
            let hint = looksLikeInstanceStats ? " (this looks like an instance --stats document, not a router's)" : ""
            throw .malformedStats(reason: "not a router stats document: no listener list (\(Self.listenerListNames.sorted().joined(separator: "/"))), 'peers', 'active_sessions' or 'cheap' key\(hint)")
        }
        self.init(
            version: try StatsField.require(version, "version", path),
            pid: try StatsField.require(pid, "pid", path),
            uid: try StatsField.require(uid, "uid", path),
            gid: try StatsField.require(gid, "gid", path),
            cwd: try StatsField.require(cwd, "cwd", path),
            activeSessions: activeSessions, listeners: listeners, staticNodes: staticNodes,
            subscriptions: subscriptions, peers: peers, cheap: cheap,
            kind: kind, admin: admin, adminRouter: adminRouter, cheapMode: cheapMode, sessions: sessions,
            refusedConnections: refusedConnections, subscriptionDrops: subscriptionDrops
        )
        self.tuntapFirewall = tuntapFirewall
        self.tls = tls
    }
}

extension StatsDocument.TuntapFirewall {
    /// Reads `{"in": [..], "out": [..], "routes": [..]}`; a missing list is empty, `null` is nil.
    init?(json: JSONValue, path: StatsPath) throws(WireError) {
        if case .null = json { return nil }
        var lists: [String: [String]] = [:]
        for member in try StatsField.members(json, path) {
            guard case .array(let items) = member.value else {
                throw .malformedStats(reason: "document.firewall.\(member.key) is not an array of strings")
            }
            var rules: [String] = []
            for item in items {
                guard case .string(let rule) = item else {
                    throw .malformedStats(reason: "document.firewall.\(member.key) is not an array of strings")
                }
                rules.append(rule)
            }
            lists[member.key] = rules
        }
        self.init(inbound: lists["in"] ?? [], outbound: lists["out"] ?? [], routes: lists["routes"] ?? [])
    }
}

extension StatsDocument.OperatorFields {
    /// Reads one Fleettop operator key into the fields; false when `key` is not one of them.
    mutating func read(_ key: String, _ value: JSONValue, _ path: StatsPath) throws(WireError) -> Bool {
        switch key {
        case "state":
            if let text = try StatsField.string(value, key, path) {
                guard let parsed = StatsDocument.NodeState(rawValue: text) else {
                    throw .malformedStats(reason: "\(path).state is \"\(text)\", expected ready, draining, drained or dead")
                }
                state = parsed
            }
        case "drain": drain = try StatsField.unsigned(value, key, path)
        case "operator_weight": operatorWeight = try StatsField.unsigned(value, key, path)
        default: return false
        }
        return true
    }
}

extension StatsDocument.StaticNode {
    init(json: JSONValue, path: StatsPath) throws(WireError) {
        var name: String?, hits: UInt64?, grace: UInt64?
        var fields = StatsDocument.OperatorFields()
        for member in try StatsField.members(json, path) {
            switch member.key {
            case "name": name = try StatsField.string(member.value, "name", path)
            case "hits": hits = try StatsField.unsigned(member.value, "hits", path)
            case "grace": grace = try StatsField.unsigned(member.value, "grace", path)
            default: _ = try fields.read(member.key, member.value, path)
            }
        }
        self.init(
            name: try StatsField.require(name, "name", path),
            hits: try StatsField.require(hits, "hits", path),
            grace: try StatsField.require(grace, "grace", path),
            operatorFields: fields
        )
    }
}

extension StatsDocument.Slot {
    init(json: JSONValue, path: StatsPath) throws(WireError) {
        var key: String?, hash: UInt64?, hits: UInt64?, sniEnabled: UInt64?, algo: String?
        var nodes: [StatsDocument.Node]?
        for member in try StatsField.members(json, path) {
            let value = member.value
            switch member.key {
            case "key": key = try StatsField.string(value, "key", path)
            case "hash": hash = try StatsField.unsigned(value, "hash", path)
            case "hits": hits = try StatsField.unsigned(value, "hits", path)
            case "sni_enabled": sniEnabled = try StatsField.unsigned(value, "sni_enabled", path)
            case "algo": algo = try StatsField.string(value, "algo", path)
            case "nodes":
                nodes = try StatsField.objects(value, "nodes", path) { item, itemPath throws(WireError) in
                    try StatsDocument.Node(json: item, path: itemPath)
                }
            default: break
            }
        }
        self.init(
            key: try StatsField.require(key, "key", path),
            hash: try StatsField.require(hash, "hash", path),
            hits: try StatsField.require(hits, "hits", path),
            sniEnabled: sniEnabled, algo: algo,
            nodes: try StatsField.require(nodes, "nodes", path)
        )
    }
}

extension StatsDocument.Node {
    init(json: JSONValue, path: StatsPath) throws(WireError) {
        var name: String?, vassal: String?, proto: String?
        var numbers = [UInt64?](repeating: nil, count: Self.numberKeys.count)
        var backup: UInt64?
        var fields = StatsDocument.OperatorFields()
        for member in try StatsField.members(json, path) {
            let value = member.value
            switch member.key {
            case "name": name = try StatsField.string(value, "name", path)
            case "vassal": vassal = try StatsField.string(value, "vassal", path)
            case "proto": proto = try StatsField.string(value, "proto", path)
            case "backup": backup = try StatsField.unsigned(value, "backup", path)
            default:
                if let slot = Self.numberKeys.firstIndex(of: member.key) {
                    numbers[slot] = try StatsField.unsigned(value, member.key, path)
                } else {
                    _ = try fields.read(member.key, value, path)
                }
            }
        }
        var required = [UInt64](repeating: 0, count: Self.numberKeys.count)
        for (slot, key) in Self.numberKeys.enumerated() {
            required[slot] = try StatsField.require(numbers[slot], key, path)
        }
        self.init(
            name: try StatsField.require(name, "name", path), vassal: vassal,
            modifier1: required[0], modifier2: required[1], lastCheck: required[2],
            pid: required[3], uid: required[4], gid: required[5], requests: required[6],
            lastRequests: required[7], tx: required[8], rx: required[9], cores: required[10],
            load: required[11], weight: required[12], backup: backup, proto: proto,
            wrr: required[13], ref: required[14], failcnt: required[15], deathMark: required[16],
            operatorFields: fields
        )
    }

    /// The node's required numeric keys, in the order `init(json:path:)` reads them back.
    private static let numberKeys = [
        "modifier1", "modifier2", "last_check", "pid", "uid", "gid", "requests", "last_requests",
        "tx", "rx", "cores", "load", "weight", "wrr", "ref", "failcnt", "death_mark",
    ]
}

extension StatsDocument.TuntapPeer {
    init(json: JSONValue, path: StatsPath) throws(WireError) {
        var addr: String?
        var numbers = [UInt64?](repeating: nil, count: 9)
        let keys = ["addr_32", "uid", "gid", "pid", "tx", "rx", "dropped", "tx_packets", "rx_packets"]
        for member in try StatsField.members(json, path) {
            if member.key == "addr" {
                addr = try StatsField.string(member.value, "addr", path)
            } else if let slot = keys.firstIndex(of: member.key) {
                numbers[slot] = try StatsField.unsigned(member.value, member.key, path)
            }
        }
        var required = [UInt64](repeating: 0, count: 7)
        for (slot, key) in keys.prefix(7).enumerated() {
            required[slot] = try StatsField.require(numbers[slot], key, path)
        }
        self.init(
            addr: try StatsField.require(addr, "addr", path), addr32: required[0], uid: required[1],
            gid: required[2], pid: required[3], tx: required[4], rx: required[5], dropped: required[6]
        )
        txPackets = numbers[7]
        rxPackets = numbers[8]
    }
}

extension StatsDocument.Session {
    init(json: JSONValue, path: StatsPath) throws(WireError) {
        var client: String?, key: String?, node: String?, state: String?
        var age: UInt64?, tx: UInt64?, rx: UInt64?, pid: UInt64?, command: String?
        for member in try StatsField.members(json, path) {
            let value = member.value
            switch member.key {
            case "client": client = try StatsField.string(value, "client", path)
            case "key": key = try StatsField.string(value, "key", path)
            case "node": node = try StatsField.string(value, "node", path)
            case "state": state = try StatsField.string(value, "state", path)
            case "age": age = try StatsField.unsigned(value, "age", path)
            case "tx": tx = try StatsField.unsigned(value, "tx", path)
            case "rx": rx = try StatsField.unsigned(value, "rx", path)
            case "pid": pid = try StatsField.unsigned(value, "pid", path)
            case "command": command = try StatsField.string(value, "command", path)
            default: break
            }
        }
        self.init(
            client: try StatsField.require(client, "client", path), key: try StatsField.require(key, "key", path),
            node: try StatsField.require(node, "node", path), age: try StatsField.require(age, "age", path),
            tx: try StatsField.require(tx, "tx", path), rx: try StatsField.require(rx, "rx", path),
            state: try StatsField.require(state, "state", path), pid: pid, command: command
        )
    }
}
