import NIOCore

// A watch's delta line (`GET /v1/watch?delta=1`): what changed in a router's stats document
// since the line before, so that a busy router's watchers read its counters every interval,
// not its whole document:
//
//   {"delta":{"active_sessions":3,"subscriptions":[{"hits":9,"nodes":[{"requests":5,"tx":700},{}]}]}}
//
// - Arrays are positional: the n-th element changes the previous document's n-th slot or
//   node, and an array has exactly as many elements as the one it changes.
// - An object holds only the members whose value changed, written as in the document.
// - Names never change in a delta (a node's `name`, a slot's `key` and `hash`): a router whose
//   nodes or keys changed, or any change a delta does not carry, sends its whole document.
// - Top level: `active_sessions`, `cheap`, `refused_connections`, `subscriptions`,
//   `static_nodes`. A slot: `hits`, `sni_enabled`, `nodes`. A node: any member but `name`. A
//   static node: `hits`, `grace` and the operator members.
//
// The sender builds a delta and applies it to the previous document with the receiver's own
// code (`applying(delta:)`) before sending it; only when that gives exactly the new document is
// the delta sent. So a receiver's copy never drifts from the router's.

extension StatsDocument {
    /// The opening bytes of every delta line.
    static let deltaPrefix: [UInt8] = Array(#"{"delta":"#.utf8)

    /// True when `line` (one watch line, without its newline) is a delta rather than a document.
    public static func isDelta(_ line: ByteBuffer) -> Bool {
        line.readableBytes >= deltaPrefix.count
            && line.readableBytesView.prefix(deltaPrefix.count).elementsEqual(deltaPrefix)
    }

    /// The document a watch's delta line makes of this one (the document the line before
    /// left). Throws `WireError.malformedStats` naming the byte where the delta stops fitting
    /// this document or the delta format.
    public func applying(delta line: ByteBuffer) throws(WireError) -> StatsDocument {
        let result: Result<StatsDocument, WireError>? = line.readableBytesView.withContiguousStorageIfAvailable { buffer in
            applying(deltaBytes: buffer)
        }
        if let result { return try result.get() }
        return try Array(line.readableBytesView).withUnsafeBufferPointer { applying(deltaBytes: $0) }.get()
    }

    private func applying(deltaBytes buffer: UnsafeBufferPointer<UInt8>) -> Result<StatsDocument, WireError> {
        var scanner = StatsScanner(buffer)
        var document = self
        do {
            try document.apply(delta: &scanner)
            guard scanner.atEnd() else { throw ScanBail() }
            return .success(document)
        } catch {
            return .failure(.malformedStats(
                reason: "watch delta does not fit the previous document or the delta format at byte \(scanner.index)"))
        }
    }

    private mutating func apply(delta s: inout StatsScanner) throws(ScanBail) {
        guard try s.beginObject(), try s.key().spells("delta") else { throw ScanBail() }
        var more = try s.beginObject()
        while more {
            let key = try s.key()
            if key.spells("active_sessions") { activeSessions = try present(s.unsigned()) }
            else if key.spells("cheap") { cheap = try present(s.unsigned()) }
            else if key.spells("refused_connections") { refusedConnections = try present(s.unsigned()) }
            else if key.spells("subscriptions") {
                guard var slots = subscriptions else { throw ScanBail() }
                subscriptions = nil
                try Self.apply(&slots, &s) { (slot: inout Slot, s: inout StatsScanner) throws(ScanBail) in try slot.apply(delta: &s) }
                subscriptions = slots
            } else if key.spells("static_nodes") {
                guard var nodes = staticNodes else { throw ScanBail() }
                staticNodes = nil
                try Self.apply(&nodes, &s) { (node: inout StaticNode, s: inout StatsScanner) throws(ScanBail) in try node.apply(delta: &s) }
                staticNodes = nodes
            } else {
                throw ScanBail()
            }
            more = try s.nextMember()
        }
        guard try !s.nextMember() else { throw ScanBail() }
    }

    /// Applies a positional array of object deltas to `elements`, one each.
    fileprivate static func apply<Element>(
        _ elements: inout [Element], _ s: inout StatsScanner,
        _ element: (inout Element, inout StatsScanner) throws(ScanBail) -> Void
    ) throws(ScanBail) {
        var index = 0
        var more = try s.beginArray()
        while more {
            guard index < elements.count else { throw ScanBail() }
            try element(&elements[index], &s)
            index += 1
            more = try s.nextElement()
        }
        guard index == elements.count else { throw ScanBail() }
    }

    /// This document as a delta line against `previous` (without its newline), or nil when only
    /// the whole document can say what changed (see the format above).
    public func deltaJSON(from previous: StatsDocument) -> [UInt8]? {
        var writer = JSONWriter(style: .compact, reservingCapacity: 256)
        writer.beginObject()
        writer.key("delta")
        writer.beginObject()
        writer.changed("active_sessions", previous.activeSessions, activeSessions)
        writer.changed("refused_connections", previous.refusedConnections, refusedConnections)
        if subscriptions != previous.subscriptions {
            guard let slots = subscriptions, let before = previous.subscriptions, slots.count == before.count else { return nil }
            writer.key("subscriptions")
            writer.beginArray()
            for (slot, old) in zip(slots, before) {
                guard slot.writeDelta(from: old, to: &writer) else { return nil }
            }
            writer.endArray()
        }
        if staticNodes != previous.staticNodes {
            guard let nodes = staticNodes, let before = previous.staticNodes, nodes.count == before.count else { return nil }
            writer.key("static_nodes")
            writer.beginArray()
            for (node, old) in zip(nodes, before) {
                guard node.writeDelta(from: old, to: &writer) else { return nil }
            }
            writer.endArray()
        }
        writer.changed("cheap", previous.cheap, cheap)
        writer.endObject()
        writer.endObject()
        let bytes = writer.bytes
        // The receiver's own code must make exactly this document of the previous one.
        let applied = bytes.withUnsafeBufferPointer { previous.applying(deltaBytes: $0) }
        guard case .success(let document) = applied, document == self else { return nil }
        return bytes
    }
}

extension StatsDocument.Slot {
    fileprivate mutating func apply(delta s: inout StatsScanner) throws(ScanBail) {
        var more = try s.beginObject()
        while more {
            let name = try s.key()
            if name.spells("hits") { hits = try present(s.unsigned()) }
            else if name.spells("sni_enabled") { sniEnabled = try s.unsigned() }
            else if name.spells("nodes") {
                var list = nodes
                nodes = []
                try StatsDocument.apply(&list, &s) { (node: inout StatsDocument.Node, s: inout StatsScanner) throws(ScanBail) in
                    try node.apply(delta: &s)
                }
                nodes = list
            } else {
                throw ScanBail()
            }
            more = try s.nextMember()
        }
    }

    /// Writes this slot's delta against `old`; false when they are not the same slot.
    fileprivate func writeDelta(from old: Self, to writer: inout JSONWriter) -> Bool {
        guard key == old.key, hash == old.hash, algo == old.algo, nodes.count == old.nodes.count else { return false }
        writer.beginObject()
        writer.changed("hits", old.hits, hits)
        writer.changed("sni_enabled", old.sniEnabled, sniEnabled)
        if nodes != old.nodes {
            writer.key("nodes")
            writer.beginArray()
            for (node, before) in zip(nodes, old.nodes) {
                guard node.name == before.name else { return false }
                node.writeDelta(from: before, to: &writer)
            }
            writer.endArray()
        }
        writer.endObject()
        return true
    }
}

extension StatsDocument.Node {
    fileprivate mutating func apply(delta s: inout StatsScanner) throws(ScanBail) {
        var seen = NodeMembers()
        var more = try s.beginObject()
        while more {
            let key = try s.key()
            // A node's name is its identity: a delta never renames one.
            if key.spells("name") { throw ScanBail() }
            try scanMember(key, &s, seen: &seen)
            more = try s.nextMember()
        }
    }

    fileprivate func writeDelta(from old: Self, to writer: inout JSONWriter) {
        writer.beginObject()
        writer.changed("vassal", old.vassal, vassal)
        writer.changed("modifier1", old.modifier1, modifier1)
        writer.changed("modifier2", old.modifier2, modifier2)
        writer.changed("last_check", old.lastCheck, lastCheck)
        writer.changed("pid", old.pid, pid)
        writer.changed("uid", old.uid, uid)
        writer.changed("gid", old.gid, gid)
        writer.changed("requests", old.requests, requests)
        writer.changed("last_requests", old.lastRequests, lastRequests)
        writer.changed("tx", old.tx, tx)
        writer.changed("rx", old.rx, rx)
        writer.changed("cores", old.cores, cores)
        writer.changed("load", old.load, load)
        writer.changed("weight", old.weight, weight)
        writer.changed("backup", old.backup, backup)
        writer.changed("proto", old.proto, proto)
        writer.changed("wrr", old.wrr, wrr)
        writer.changed("ref", old.ref, ref)
        writer.changed("failcnt", old.failcnt, failcnt)
        writer.changed("death_mark", old.deathMark, deathMark)
        operatorFields.writeDelta(from: old.operatorFields, to: &writer)
        writer.endObject()
    }
}

extension StatsDocument.StaticNode {
    fileprivate mutating func apply(delta s: inout StatsScanner) throws(ScanBail) {
        var more = try s.beginObject()
        while more {
            let key = try s.key()
            if key.spells("hits") { hits = try present(s.unsigned()) }
            else if key.spells("grace") { grace = try present(s.unsigned()) }
            else if try !operatorFields.scan(key, &s) { throw ScanBail() }
            more = try s.nextMember()
        }
    }

    /// Writes this node's delta against `old`; false when they are not the same node.
    fileprivate func writeDelta(from old: Self, to writer: inout JSONWriter) -> Bool {
        guard name == old.name else { return false }
        writer.beginObject()
        writer.changed("hits", old.hits, hits)
        writer.changed("grace", old.grace, grace)
        operatorFields.writeDelta(from: old.operatorFields, to: &writer)
        writer.endObject()
        return true
    }
}

extension StatsDocument.OperatorFields {
    fileprivate func writeDelta(from old: Self, to writer: inout JSONWriter) {
        writer.changed("state", old.state?.rawValue, state?.rawValue)
        writer.changed("drain", old.drain, drain)
        writer.changed("operator_weight", old.operatorWeight, operatorWeight)
    }
}

extension JSONWriter {
    /// Writes the member when its value differs from `old` and exists (a value that went away
    /// is not a delta's to say: the sender's check then falls back to the whole document).
    fileprivate mutating func changed(_ name: String, _ old: UInt64?, _ new: UInt64?) {
        if let new, new != old { member(name, new) }
    }

    fileprivate mutating func changed(_ name: String, _ old: String?, _ new: String?) {
        if let new, new != old { member(name, new) }
    }
}

/// A value a delta must give (`null` is not a change a delta makes).
private func present<Value>(_ value: Value?) throws(ScanBail) -> Value {
    guard let value else { throw ScanBail() }
    return value
}
