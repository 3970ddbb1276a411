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
    /// Reads one Fleettop operator key; false when `key` is not one of them.
    fileprivate mutating func scan(_ key: UnsafeBufferPointer<UInt8>, _ s: inout StatsScanner) throws(ScanBail) -> Bool {
        if key.spells("state") {
            if let text = try s.string() {
                guard let parsed = StatsDocument.NodeState(rawValue: text) else { throw ScanBail() }
                state = parsed
            }
        } else if key.spells("drain") {
            drain = try s.unsigned()
        } else if key.spells("operator_weight") {
            operatorWeight = try s.unsigned()
        } else {
            return false
        }
        return true
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
        var name: String?, vassal: String?, proto: String?, backup: UInt64?
        var modifier1: UInt64?, modifier2: UInt64?, lastCheck: UInt64?, pid: UInt64?, uid: UInt64?
        var gid: UInt64?, requests: UInt64?, lastRequests: UInt64?, tx: UInt64?, rx: UInt64?
        var cores: UInt64?, load: UInt64?, weight: UInt64?, wrr: UInt64?, ref: UInt64?
        var failcnt: UInt64?, deathMark: UInt64?
        var fields = StatsDocument.OperatorFields()
        var more = try s.beginObject()
        while more {
            let key = try s.key()
            if key.spells("name") { name = try s.string() }
            else if key.spells("modifier1") { modifier1 = try s.unsigned() }
            else if key.spells("modifier2") { modifier2 = try s.unsigned() }
            else if key.spells("last_check") { lastCheck = try s.unsigned() }
            else if key.spells("pid") { pid = try s.unsigned() }
            else if key.spells("uid") { uid = try s.unsigned() }
            else if key.spells("gid") { gid = try s.unsigned() }
            else if key.spells("requests") { requests = try s.unsigned() }
            else if key.spells("last_requests") { lastRequests = try s.unsigned() }
            else if key.spells("tx") { tx = try s.unsigned() }
            else if key.spells("rx") { rx = try s.unsigned() }
            else if key.spells("cores") { cores = try s.unsigned() }
            else if key.spells("load") { load = try s.unsigned() }
            else if key.spells("weight") { weight = try s.unsigned() }
            else if key.spells("backup") { backup = try s.unsigned() }
            else if key.spells("proto") { proto = try s.string() }
            else if key.spells("wrr") { wrr = try s.unsigned() }
            else if key.spells("ref") { ref = try s.unsigned() }
            else if key.spells("failcnt") { failcnt = try s.unsigned() }
            else if key.spells("death_mark") { deathMark = try s.unsigned() }
            else if key.spells("vassal") { vassal = try s.string() }
            else if try !fields.scan(key, &s) { try s.skipValue() }
            more = try s.nextMember()
        }
        self.init(
            name: try required(name), vassal: vassal, modifier1: try required(modifier1),
            modifier2: try required(modifier2), lastCheck: try required(lastCheck), pid: try required(pid),
            uid: try required(uid), gid: try required(gid), requests: try required(requests),
            lastRequests: try required(lastRequests), tx: try required(tx), rx: try required(rx),
            cores: try required(cores), load: try required(load), weight: try required(weight),
            backup: backup, proto: proto, wrr: try required(wrr), ref: try required(ref),
            failcnt: try required(failcnt), deathMark: try required(deathMark), operatorFields: fields
        )
    }
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
