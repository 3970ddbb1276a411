import FleetModel
import RouterWire

extension StatsDocument {
    /// Applies an edit to this document as a router would show it afterwards (the fake's
    /// behaviour; a real router's effect arrives with its next poll). `temporary` is the
    /// reason when the router takes the edit only until the node's next announce.
    mutating func applyForTesting(_ edit: FleetEdit, temporary: String?) -> EditOutcome {
        let done: EditOutcome = temporary.map { .appliedTemporarily(reason: $0) } ?? .applied
        switch edit {
        case let .setCheap(mode):
            cheapMode = mode
            let empty = (subscriptions ?? []).allSatisfy(\.nodes.isEmpty)
            // `auto` keeps the current state only while there is no node, as uWSGI would.
            cheap = mode == .on || (mode == .auto && empty && cheap == 1) ? 1 : 0
            return done
        case .drainEverywhere:
            return .refused(reason: "expand drainEverywhere into per-router edits first")
        case let .kickSession(pid):
            guard let before = sessions, before.contains(where: { $0.pid == pid }) else {
                return .refused(reason: "no session with pid \(pid) on this router")
            }
            sessions = before.filter { $0.pid != pid }
            activeSessions = UInt64(sessions?.count ?? 0)
            return done
        case let .addStatic(address):
            var statics = staticNodes ?? []
            guard !statics.contains(where: { $0.name == address }) else { return .refused(reason: "static node \(address) exists") }
            statics.append(StaticNode(name: address, hits: 0, grace: 0, operatorFields: .init(state: .ready, drain: 0)))
            staticNodes = statics
            return done
        case let .removeStatic(address):
            guard let statics = staticNodes, statics.contains(where: { $0.name == address }) else {
                return .refused(reason: "no static node \(address) on this router")
            }
            staticNodes = statics.filter { $0.name != address }
            return done
        case let .drain(ref), let .undrain(ref), let .kick(ref), let .setWeight(ref, _), let .clearWeight(ref):
            var found = false
            if ref.key == nil, var statics = staticNodes {
                for index in statics.indices where statics[index].name == ref.address {
                    found = true
                    Self.edit(&statics[index].operatorFields, edit, ref: 0)
                }
                staticNodes = statics
            }
            if var slots = subscriptions {
                for slotIndex in slots.indices where ref.key == nil || slots[slotIndex].key == ref.key {
                    if case .kick = edit {
                        let before = slots[slotIndex].nodes.count
                        // uWSGI and fleetrouter remove an idle kicked node at once and
                        // death-mark a busy one until its sessions end.
                        slots[slotIndex].nodes.removeAll { $0.name == ref.address && $0.ref == 0 }
                        found = found || slots[slotIndex].nodes.count != before
                    }
                    for nodeIndex in slots[slotIndex].nodes.indices where slots[slotIndex].nodes[nodeIndex].name == ref.address {
                        found = true
                        Self.edit(&slots[slotIndex].nodes[nodeIndex], edit, uwsgi: temporary != nil)
                    }
                }
                slots.removeAll { $0.nodes.isEmpty }
                subscriptions = slots
            }
            return found ? done : .refused(reason: "no node \(ref) on this router")
        }
    }

    private static func edit(_ node: inout Node, _ edit: FleetEdit, uwsgi: Bool) {
        switch edit {
        case .kick:
            node.deathMark = 1
            node.failcnt += 1
            if node.operatorFields.state != nil { node.operatorFields.state = .dead }
        case let .setWeight(_, value) where uwsgi:
            // A real uWSGI router takes the re-announced weight as the node's weight.
            node.weight = value
        default:
            Self.edit(&node.operatorFields, edit, ref: node.ref)
        }
    }

    private static func edit(_ fields: inout OperatorFields, _ edit: FleetEdit, ref: UInt64) {
        switch edit {
        case .drain:
            fields.drain = 1
            fields.state = ref > 0 ? .draining : .drained
        case .undrain:
            fields.drain = 0
            fields.state = .ready
        case let .setWeight(_, value):
            fields.operatorWeight = value
        case .clearWeight:
            fields.operatorWeight = nil
        case .kick:
            fields.state = .dead
        case .setCheap, .drainEverywhere, .addStatic, .removeStatic, .kickSession:
            break
        }
    }
}
