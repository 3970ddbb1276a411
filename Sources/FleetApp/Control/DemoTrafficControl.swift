import FleetModel
import RouterWire
import Synchronization

/// The canned demo fleet made to move: each poll adds a little traffic to every node that takes
/// new sessions (so req/s and sparklines change), lets a draining node's sessions finish one per
/// poll (draining → drained), and stamps announces as fresh. Edits go to the wrapped
/// `FakeFleetControl`, whose documents carry the traffic, so an edit and the traffic see the same
/// state. Deterministic: the traffic depends only on node names and the poll count.
public final class DemoTrafficControl: FleetControl {
    private let fake: FakeFleetControl
    private let clock: any FleetClock
    private let polls = Mutex<[RouterID: UInt64]>([:])

    /// Wraps `fake`; `clock` stamps the announces.
    public init(fake: FakeFleetControl, clock: any FleetClock = SystemFleetClock()) {
        self.fake = fake
        self.clock = clock
    }

    /// Polls the fake, adds one poll's worth of traffic, stores and returns the result.
    public func poll(_ router: RouterEndpoint) async throws -> StatsDocument {
        var document = try await fake.poll(router)
        let count = polls.withLock { state -> UInt64 in
            state[router.id, default: 0] += 1
            return state[router.id, default: 0]
        }
        Self.addTraffic(to: &document, poll: count, now: clock.now())
        await fake.setDocument(document, for: router.id)
        return document
    }

    /// Applies the edit to the fake's documents.
    public func apply(_ edit: FleetEdit, to router: RouterEndpoint) async throws -> EditOutcome {
        try await fake.apply(edit, to: router)
    }

    /// One poll's traffic: requests, bytes and hits grow on nodes open to new sessions; sessions on
    /// drained nodes end one at a time.
    static func addTraffic(to document: inout StatsDocument, poll: UInt64, now: FleetInstant) {
        guard var slots = document.subscriptions else { return }
        var sessions: UInt64 = 0
        for slotIndex in slots.indices {
            var hits: UInt64 = 0
            for nodeIndex in slots[slotIndex].nodes.indices {
                var node = slots[slotIndex].nodes[nodeIndex]
                node.lastCheck = UInt64(max(0, now.secondsSinceEpoch))
                let drained = node.operatorFields.drain == 1 || node.deathMark != 0
                if drained {
                    if node.ref > 0 { node.ref -= 1 }
                    if node.ref == 0, node.operatorFields.state == .draining { node.operatorFields.state = .drained }
                } else {
                    let step = Self.step(name: node.name, key: slots[slotIndex].key, poll: poll)
                    node.requests += step
                    node.lastRequests = step
                    node.tx += step * 2_048
                    node.rx += step * 420
                    hits += step
                }
                sessions += node.ref
                slots[slotIndex].nodes[nodeIndex] = node
            }
            slots[slotIndex].hits += hits
        }
        document.subscriptions = slots
        if document.activeSessions != nil { document.activeSessions = sessions }
    }

    /// 1–12 requests, varying by node and poll, so each sparkline has its own shape.
    static func step(name: String, key: String, poll: UInt64) -> UInt64 {
        var hash: UInt64 = 1_469_598_103_934_665_603
        for byte in (key + name).utf8 {
            hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211
        }
        let phase = (hash % 16 + poll) % 16
        let wave: UInt64 = phase < 8 ? phase : 16 - phase
        return 1 + (hash >> 8) % 4 + wave
    }
}
