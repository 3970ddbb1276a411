// The single-pass decode: bytes straight into a `StatsDocument`, with no `JSONValue` tree.
// It mirrors `init(json:)` member for member (later duplicates win, the first listener list
// of strings is kept, `null` is absent) and bails on anything else, so a bail only means
// "take the full path", which then produces the document or the error.

extension StatsDocument {
    /// The document when `buffer` is strict JSON that maps cleanly; nil when the full
    /// parse-then-map path must decide.
    static func decodeSinglePass(_ buffer: UnsafeBufferPointer<UInt8>) -> StatsDocument? {
        var scanner = StatsScanner(buffer)
        do {
            let document = try StatsDocument(scanning: &scanner)
            return scanner.atEnd() ? document : nil
        } catch {
            return nil
        }
    }

    private init(scanning s: inout StatsScanner) throws(ScanBail) {
        var version: String?, pid: UInt64?, uid: UInt64?, gid: UInt64?, cwd: String?
        var activeSessions: UInt64?, listeners: ListenerList?, cheap: UInt64?
        var staticNodes: [StaticNode]?, subscriptions: [Slot]?, peers: [TuntapPeer]?
        var kind: String?, admin: String?, adminRouter: String?, cheapMode: CheapMode?, sessions: [Session]?
        var refusedConnections: UInt64?, subscriptionDrops: [String: UInt64]?
        var tuntapFirewall: TuntapFirewall?
        var tls: TLSState?
        var more = try s.beginObject()
        while more {
            let key = try s.key()
            if key.spells("version") { version = try s.string() }
            else if key.spells("pid") { pid = try s.unsigned() }
            else if key.spells("uid") { uid = try s.unsigned() }
            else if key.spells("gid") { gid = try s.unsigned() }
            else if key.spells("cwd") { cwd = try s.string() }
            else if key.spells("active_sessions") { activeSessions = try s.unsigned() }
            else if key.spells("cheap") { cheap = try s.unsigned() }
            else if key.spells("refused_connections") { refusedConnections = try s.unsigned() }
            else if key.spells("subscription_drops") { subscriptionDrops = try Self.counts(&s) }
            else if key.spells("static_nodes") { staticNodes = try Self.objects(&s) { s throws(ScanBail) in try StaticNode(scanning: &s) } }
            else if key.spells("subscriptions") { subscriptions = try Self.objects(&s) { s throws(ScanBail) in try Slot(scanning: &s) } }
            else if key.spells("peers") { peers = try Self.objects(&s) { s throws(ScanBail) in try TuntapPeer(scanning: &s) } }
            else if key.spells("firewall") { tuntapFirewall = try Self.firewall(&s) }
            else if key.spells("tls") { tls = try TLSState(scanning: &s) }
            else if key.spells("kind") { kind = try s.string() }
            else if key.spells("admin") { admin = try s.string() }
            else if key.spells("admin_router") { adminRouter = try s.string() }
            else if key.spells("cheap_mode") {
                if let text = try s.string() {
                    guard let mode = CheapMode(rawValue: text) else { throw ScanBail() }
                    cheapMode = mode
                }
            } else if key.spells("sessions") { sessions = try Self.objects(&s) { s throws(ScanBail) in try Session(scanning: &s) } }
            else if listeners == nil, s.peekArray(), let name = Self.listenerListName(key) {
                listeners = try Self.listenerList(&s, routerName: name)
            } else {
                try s.skipValue()
            }
            more = try s.nextMember()
        }
        // Not a router's document: the full path words the error.
        guard listeners != nil || peers != nil || activeSessions != nil || cheap != nil else { throw ScanBail() }
        self.init(
            version: try required(version), pid: try required(pid), uid: try required(uid),
            gid: try required(gid), cwd: try required(cwd),
            activeSessions: activeSessions, listeners: listeners, staticNodes: staticNodes,
            subscriptions: subscriptions, peers: peers, cheap: cheap,
            kind: kind, admin: admin, adminRouter: adminRouter, cheapMode: cheapMode, sessions: sessions,
            refusedConnections: refusedConnections, subscriptionDrops: subscriptionDrops
        )
        self.tuntapFirewall = tuntapFirewall
        self.tls = tls
    }

    /// The tuntap `firewall` object of string lists, or nil for `null`.
    private static func firewall(_ s: inout StatsScanner) throws(ScanBail) -> TuntapFirewall? {
        if try s.null() { return nil }
        var lists: [String: [String]] = [:]
        var more = try s.beginObject()
        while more {
            let key = try s.key()
            let name = key.spells("in") ? "in" : key.spells("out") ? "out" : key.spells("routes") ? "routes" : nil
            var rules: [String] = []
            var element = try s.beginArray()
            while element {
                guard s.peekString(), let rule = try s.string() else { throw ScanBail() }
                rules.append(rule)
                element = try s.nextElement()
            }
            if let name { lists[name] = rules }
            more = try s.nextMember()
        }
        return TuntapFirewall(inbound: lists["in"] ?? [], outbound: lists["out"] ?? [], routes: lists["routes"] ?? [])
    }

    /// An object of unsigned counts by name (`null` members are absent), or nil for `null`.
    fileprivate static func counts(_ s: inout StatsScanner) throws(ScanBail) -> [String: UInt64]? {
        if try s.null() { return nil }
        var counts: [String: UInt64] = [:]
        var more = try s.beginObject()
        while more {
            let name = String(decoding: try s.key(), as: UTF8.self)
            if let count = try s.unsigned() { counts[name] = count }
            more = try s.nextMember()
        }
        return counts
    }

    private static func listenerListName(_ key: UnsafeBufferPointer<UInt8>) -> String? {
        if key.spells("http") { return "http" }
        if key.spells("fastrouter") { return "fastrouter" }
        if key.spells("rawrouter") { return "rawrouter" }
        if key.spells("sslrouter") { return "sslrouter" }
        if key.spells("forkptyrouter") { return "forkptyrouter" }
        return nil
    }

    /// An array whose elements are all strings is the listener list; any other array is not.
    private static func listenerList(_ s: inout StatsScanner, routerName: String) throws(ScanBail) -> ListenerList? {
        var addresses: [String] = []
        var more = try s.beginArray()
        var allStrings = true
        while more {
            if allStrings, s.peekString(), let address = try s.string() {
                addresses.append(address)
            } else {
                allStrings = false
                try s.skipValue()
            }
            more = try s.nextElement()
        }
        return allStrings ? ListenerList(routerName: routerName, addresses: addresses) : nil
    }

    /// An array of objects, or nil for `null`.
    fileprivate static func objects<Element>(
        _ s: inout StatsScanner, _ element: (inout StatsScanner) throws(ScanBail) -> Element
    ) throws(ScanBail) -> [Element]? {
        if try s.null() { return nil }
        var result: [Element] = []
        var more = try s.beginArray()
        while more {
            result.append(try element(&s))
            more = try s.nextElement()
        }
        return result
    }
}

/// The value of a required key; its absence is the full path's error to word.
private func required<Value>(_ value: Value?) throws(ScanBail) -> Value {
    guard let value else { throw ScanBail() }
    return value
}

extension StatsDocument.OperatorFields {
    /// The Fleettop operator members, as nodes and static nodes carry them.
    enum Member {
        case state, drain, operatorWeight
    }

    /// Reads one Fleettop operator key; false when `key` is not one of them.
    mutating func scan(_ key: UnsafeBufferPointer<UInt8>, _ s: inout StatsScanner) throws(ScanBail) -> Bool {
        if key.spells("state") {
            try read(.state, &s)
        } else if key.spells("drain") {
            try read(.drain, &s)
        } else if key.spells("operator_weight") {
            try read(.operatorWeight, &s)
        } else {
            return false
        }
        return true
    }

    /// Reads operator member `member`'s value (`null` leaves it unset).
    mutating func read(_ member: Member, _ s: inout StatsScanner) throws(ScanBail) {
        switch member {
        case .state:
            if let text = try s.string() {
                guard let parsed = StatsDocument.NodeState(rawValue: text) else { throw ScanBail() }
                state = parsed
            }
        case .drain: drain = try s.unsigned()
        case .operatorWeight: operatorWeight = try s.unsigned()
        }
    }
}

extension StatsDocument.StaticNode {
    fileprivate init(scanning s: inout StatsScanner) throws(ScanBail) {
        var name: String?, hits: UInt64?, grace: UInt64?
        var fields = StatsDocument.OperatorFields()
        var more = try s.beginObject()
        while more {
            let key = try s.key()
            if key.spells("name") { name = try s.string() }
            else if key.spells("hits") { hits = try s.unsigned() }
            else if key.spells("grace") { grace = try s.unsigned() }
            else if try !fields.scan(key, &s) { try s.skipValue() }
            more = try s.nextMember()
        }
        self.init(name: try required(name), hits: try required(hits), grace: try required(grace), operatorFields: fields)
    }
}

extension StatsDocument.Slot {
    fileprivate init(scanning s: inout StatsScanner) throws(ScanBail) {
        var key: String?, hash: UInt64?, hits: UInt64?, sniEnabled: UInt64?, algo: String?
        var nodes: [StatsDocument.Node]?
        var more = try s.beginObject()
        while more {
            let name = try s.key()
            if name.spells("key") { key = try s.string() }
            else if name.spells("hash") { hash = try s.unsigned() }
            else if name.spells("hits") { hits = try s.unsigned() }
            else if name.spells("sni_enabled") { sniEnabled = try s.unsigned() }
            else if name.spells("algo") { algo = try s.string() }
            else if name.spells("nodes") {
                nodes = try StatsDocument.objects(&s) { s throws(ScanBail) in try StatsDocument.Node(scanning: &s) }
            } else { try s.skipValue() }
            more = try s.nextMember()
        }
        self.init(
            key: try required(key), hash: try required(hash), hits: try required(hits),
            sniEnabled: sniEnabled, algo: algo, nodes: try required(nodes)
        )
    }
}

extension StatsDocument.Node {
    fileprivate init(scanning s: inout StatsScanner) throws(ScanBail) {
        self.init(name: "")
        var seen = NodeMembers()
        var expected = NodeMember(rawValue: 0)
        var more = try s.beginObject()
        while more {
            // The name the writer's order puts next is tried first; any other is looked up,
            // and the order picks up after it.
            let member: NodeMember?
            if let next = expected, s.key(next.quoted) {
                member = next
            } else {
                member = NodeMember(try s.key())
            }
            if let member {
                try read(member, &s, seen: &seen)
                expected = NodeMember(rawValue: member.rawValue + 1)
            } else {
                try s.skipValue()
            }
            more = try s.nextMember()
        }
        guard seen.isSuperset(of: .required) else { throw ScanBail() }
    }

    /// Reads member `key`'s value into this node, as `init(json:path:)` maps it (`null` is
    /// absent; an unknown member is skipped), and records in `seen` which required members
    /// are now set.
    mutating func scanMember(_ key: UnsafeBufferPointer<UInt8>, _ s: inout StatsScanner, seen: inout NodeMembers) throws(ScanBail) {
        if let member = NodeMember(key) {
            try read(member, &s, seen: &seen)
        } else {
            try s.skipValue()
        }
    }

    private mutating func read(_ member: NodeMember, _ s: inout StatsScanner, seen: inout NodeMembers) throws(ScanBail) {
        switch member {
        case .name:
            if let value = try s.string() {
                name = value
                seen.insert(.name)
            } else {
                seen.remove(.name)
            }
        case .vassal: vassal = try s.string()
        case .modifier1: try Self.number(&modifier1, .modifier1, &s, &seen)
        case .modifier2: try Self.number(&modifier2, .modifier2, &s, &seen)
        case .lastCheck: try Self.number(&lastCheck, .lastCheck, &s, &seen)
        case .pid: try Self.number(&pid, .pid, &s, &seen)
        case .uid: try Self.number(&uid, .uid, &s, &seen)
        case .gid: try Self.number(&gid, .gid, &s, &seen)
        case .requests: try Self.number(&requests, .requests, &s, &seen)
        case .lastRequests: try Self.number(&lastRequests, .lastRequests, &s, &seen)
        case .tx: try Self.number(&tx, .tx, &s, &seen)
        case .rx: try Self.number(&rx, .rx, &s, &seen)
        case .cores: try Self.number(&cores, .cores, &s, &seen)
        case .load: try Self.number(&load, .load, &s, &seen)
        case .weight: try Self.number(&weight, .weight, &s, &seen)
        case .backup: backup = try s.unsigned()
        case .proto: proto = try s.string()
        case .wrr: try Self.number(&wrr, .wrr, &s, &seen)
        case .ref: try Self.number(&ref, .ref, &s, &seen)
        case .failcnt: try Self.number(&failcnt, .failcnt, &s, &seen)
        case .deathMark: try Self.number(&deathMark, .deathMark, &s, &seen)
        case .state: try operatorFields.read(.state, &s)
        case .drain: try operatorFields.read(.drain, &s)
        case .operatorWeight: try operatorFields.read(.operatorWeight, &s)
        }
    }

    /// Reads a required number: set (and seen) for a number, unset by `null`.
    @inline(__always)
    private static func number(_ field: inout UInt64, _ member: NodeMembers, _ s: inout StatsScanner, _ seen: inout NodeMembers) throws(ScanBail) {
        if let value = try s.unsigned() {
            field = value
            seen.insert(member)
        } else {
            seen.remove(member)
        }
    }
}

/// A node's members in the order `StatsDocument.Node.write(to:)` writes them.
enum NodeMember: Int, CaseIterable {
    case name, vassal, modifier1, modifier2, lastCheck, pid, uid, gid, requests, lastRequests, tx, rx, cores, load
    case weight, backup, proto, wrr, ref, failcnt, deathMark, state, drain, operatorWeight

    /// The member whose name is `key`, found by its length first, then its bytes; nil for a
    /// name no node has.
    init?(_ key: UnsafeBufferPointer<UInt8>) {
        switch key.count {
        case 2:
            if key.spells("tx") { self = .tx; return }
            if key.spells("rx") { self = .rx; return }
        case 3:
            if key.spells("pid") { self = .pid; return }
            if key.spells("uid") { self = .uid; return }
            if key.spells("gid") { self = .gid; return }
            if key.spells("wrr") { self = .wrr; return }
            if key.spells("ref") { self = .ref; return }
        case 4:
            if key.spells("name") { self = .name; return }
            if key.spells("load") { self = .load; return }
        case 5:
            if key.spells("cores") { self = .cores; return }
            if key.spells("proto") { self = .proto; return }
            if key.spells("state") { self = .state; return }
            if key.spells("drain") { self = .drain; return }
        case 6:
            if key.spells("weight") { self = .weight; return }
            if key.spells("backup") { self = .backup; return }
            if key.spells("vassal") { self = .vassal; return }
        case 7:
            if key.spells("failcnt") { self = .failcnt; return }
        case 8:
            if key.spells("requests") { self = .requests; return }
        case 9:
            if key.spells("modifier1") { self = .modifier1; return }
            if key.spells("modifier2") { self = .modifier2; return }
        case 10:
            if key.spells("last_check") { self = .lastCheck; return }
            if key.spells("death_mark") { self = .deathMark; return }
        case 13:
            if key.spells("last_requests") { self = .lastRequests; return }
        case 15:
            if key.spells("operator_weight") { self = .operatorWeight; return }
        default:
            break
        }
        return nil
    }

    /// The member's name in quotes, as it is written.
    var quoted: StaticString {
        switch self {
        case .name: return #""name""#
        case .vassal: return #""vassal""#
        case .modifier1: return #""modifier1""#
        case .modifier2: return #""modifier2""#
        case .lastCheck: return #""last_check""#
        case .pid: return #""pid""#
        case .uid: return #""uid""#
        case .gid: return #""gid""#
        case .requests: return #""requests""#
        case .lastRequests: return #""last_requests""#
        case .tx: return #""tx""#
        case .rx: return #""rx""#
        case .cores: return #""cores""#
        case .load: return #""load""#
        case .weight: return #""weight""#
        case .backup: return #""backup""#
        case .proto: return #""proto""#
        case .wrr: return #""wrr""#
        case .ref: return #""ref""#
        case .failcnt: return #""failcnt""#
        case .deathMark: return #""death_mark""#
        case .state: return #""state""#
        case .drain: return #""drain""#
        case .operatorWeight: return #""operator_weight""#
        }
    }
}

/// The required members of a node that a scan has set.
struct NodeMembers: OptionSet {
    let rawValue: UInt32

    static let name = NodeMembers(rawValue: 1 << 0)
    static let modifier1 = NodeMembers(rawValue: 1 << 1)
    static let modifier2 = NodeMembers(rawValue: 1 << 2)
    static let lastCheck = NodeMembers(rawValue: 1 << 3)
    static let pid = NodeMembers(rawValue: 1 << 4)
    static let uid = NodeMembers(rawValue: 1 << 5)
    static let gid = NodeMembers(rawValue: 1 << 6)
    static let requests = NodeMembers(rawValue: 1 << 7)
    static let lastRequests = NodeMembers(rawValue: 1 << 8)
    static let tx = NodeMembers(rawValue: 1 << 9)
    static let rx = NodeMembers(rawValue: 1 << 10)
    static let cores = NodeMembers(rawValue: 1 << 11)
    static let load = NodeMembers(rawValue: 1 << 12)
    static let weight = NodeMembers(rawValue: 1 << 13)
    static let wrr = NodeMembers(rawValue: 1 << 14)
    static let ref = NodeMembers(rawValue: 1 << 15)
    static let failcnt = NodeMembers(rawValue: 1 << 16)
    static let deathMark = NodeMembers(rawValue: 1 << 17)
    /// Every member a node's object must have.
    static let required = NodeMembers(rawValue: (1 << 18) - 1)
}

extension StatsDocument.TuntapPeer {
    fileprivate init(scanning s: inout StatsScanner) throws(ScanBail) {
        var addr: String?, addr32: UInt64?, uid: UInt64?, gid: UInt64?, pid: UInt64?
        var tx: UInt64?, rx: UInt64?, dropped: UInt64?, txPackets: UInt64?, rxPackets: UInt64?
        var more = try s.beginObject()
        while more {
            let key = try s.key()
            if key.spells("addr") { addr = try s.string() }
            else if key.spells("addr_32") { addr32 = try s.unsigned() }
            else if key.spells("uid") { uid = try s.unsigned() }
            else if key.spells("gid") { gid = try s.unsigned() }
            else if key.spells("pid") { pid = try s.unsigned() }
            else if key.spells("tx") { tx = try s.unsigned() }
            else if key.spells("rx") { rx = try s.unsigned() }
            else if key.spells("dropped") { dropped = try s.unsigned() }
            else if key.spells("tx_packets") { txPackets = try s.unsigned() }
            else if key.spells("rx_packets") { rxPackets = try s.unsigned() }
            else { try s.skipValue() }
            more = try s.nextMember()
        }
        self.init(
            addr: try required(addr), addr32: try required(addr32), uid: try required(uid),
            gid: try required(gid), pid: try required(pid), tx: try required(tx), rx: try required(rx),
            dropped: try required(dropped)
        )
        self.txPackets = txPackets
        self.rxPackets = rxPackets
    }
}

extension StatsDocument.Session {
    fileprivate init(scanning s: inout StatsScanner) throws(ScanBail) {
        var client: String?, key: String?, node: String?, state: String?
        var age: UInt64?, tx: UInt64?, rx: UInt64?, pid: UInt64?, command: String?
        var more = try s.beginObject()
        while more {
            let name = try s.key()
            if name.spells("client") { client = try s.string() }
            else if name.spells("key") { key = try s.string() }
            else if name.spells("node") { node = try s.string() }
            else if name.spells("state") { state = try s.string() }
            else if name.spells("age") { age = try s.unsigned() }
            else if name.spells("tx") { tx = try s.unsigned() }
            else if name.spells("rx") { rx = try s.unsigned() }
            else if name.spells("pid") { pid = try s.unsigned() }
            else if name.spells("command") { command = try s.string() }
            else { try s.skipValue() }
            more = try s.nextMember()
        }
        self.init(
            client: try required(client), key: try required(key), node: try required(node),
            age: try required(age), tx: try required(tx), rx: try required(rx), state: try required(state),
            pid: pid, command: command
        )
    }
}

extension StatsDocument.TLSState {
    /// Reads the `tls` object as `init(json:path:)` does; nil for `null`.
    fileprivate init?(scanning s: inout StatsScanner) throws(ScanBail) {
        if try s.null() { return nil }
        self.init()
        var more = try s.beginObject()
        while more {
            let key = try s.key()
            if key.spells("listeners") {
                listeners = try StatsDocument.objects(&s) { s throws(ScanBail) in try StatsDocument.TLSListener(scanning: &s) } ?? []
            } else if key.spells("sni") {
                sni = try StatsDocument.objects(&s) { s throws(ScanBail) in try StatsDocument.SNIContext(scanning: &s) } ?? []
            } else if key.spells("sni_failures") { sniFailures = try s.unsigned() ?? 0 }
            else if key.spells("reloads") { reloads = try s.unsigned() ?? 0 }
            else if key.spells("reload_failures") { reloadFailures = try s.unsigned() ?? 0 }
            else if key.spells("last_reload_error") { lastReloadError = try s.string() }
            else { try s.skipValue() }
            more = try s.nextMember()
        }
    }
}

extension StatsDocument.TLSListener {
    fileprivate init(scanning s: inout StatsScanner) throws(ScanBail) {
        var name: String?, certificate: String?, expires: UInt64?, handshakes: UInt64?, failures: [String: UInt64]?
        var more = try s.beginObject()
        while more {
            let key = try s.key()
            if key.spells("name") { name = try s.string() }
            else if key.spells("certificate") { certificate = try s.string() }
            else if key.spells("expires") { expires = try s.unsigned() }
            else if key.spells("handshakes") { handshakes = try s.unsigned() }
            else if key.spells("handshake_failures") { failures = try StatsDocument.counts(&s) }
            else { try s.skipValue() }
            more = try s.nextMember()
        }
        self.init(name: try required(name), certificate: certificate ?? "", expires: try required(expires),
                  handshakes: handshakes ?? 0, handshakeFailures: failures ?? [:])
    }
}

extension StatsDocument.SNIContext {
    fileprivate init(scanning s: inout StatsScanner) throws(ScanBail) {
        var name: String?, source: String?, certificate: String?, expires: UInt64?
        var more = try s.beginObject()
        while more {
            let key = try s.key()
            if key.spells("name") { name = try s.string() }
            else if key.spells("source") { source = try s.string() }
            else if key.spells("certificate") { certificate = try s.string() }
            else if key.spells("expires") { expires = try s.unsigned() }
            else { try s.skipValue() }
            more = try s.nextMember()
        }
        self.init(name: try required(name), source: source ?? "", certificate: certificate ?? "", expires: try required(expires))
    }
}
