@testable import RouterWire
import Testing
import ThreadTesting

/// The single-pass decoder must give exactly what the parse-then-map path gives, or give up.
@Suite("Stats document: single-pass decoding agrees with the tree path", .ownThread)
struct StatsSinglePassTests {
    /// The single pass's answer, or nil when it gave up.
    static func singlePass(_ bytes: [UInt8]) -> StatsDocument? {
        bytes.withUnsafeBufferPointer { StatsDocument.decodeSinglePass($0) }
    }

    /// Checks one input; returns whether the single pass decided it.
    static func agrees(_ bytes: [UInt8], _ label: String) -> Bool {
        guard let fast = singlePass(bytes) else { return false }
        do {
            let reference = try StatsDocument.decodeThroughTree(lenient: bytes)
            #expect(fast == reference, "\(label)")
        } catch {
            Issue.record("\(label): the single pass decoded what the tree path refuses: \(error)")
        }
        return true
    }

    @Test("every router sample decodes the same way; strict samples take the single pass")
    func samples() throws {
        var fast = 0
        let paths = try StatsSamples.allJSON()
        for path in paths {
            let bytes = try StatsSamples.bytes(path)
            if Self.agrees(bytes, path) { fast += 1 }
            // Strictly valid router samples without escapes must not need the tree.
            if (try? JSONValue(parsing: bytes)) != nil, !bytes.contains(UInt8(ascii: "\\")),
               (try? StatsDocument.decodeThroughTree(lenient: bytes)) != nil {
                #expect(Self.singlePass(bytes) != nil, "\(path) fell back")
            }
        }
        #expect(fast > paths.count / 2, "only \(fast) of \(paths.count) samples took the single pass")
    }

    @Test("every node member's written name, tried first in the writer's order, is the name its lookup finds")
    func nodeMemberNames() {
        for member in NodeMember.allCases {
            let quoted = Array(String(describing: member.quoted).utf8)
            #expect(quoted.first == UInt8(ascii: "\"") && quoted.last == UInt8(ascii: "\""), "\(member)")
            let name = Array(quoted.dropFirst().dropLast())
            #expect(name.withUnsafeBufferPointer { NodeMember($0) } == member, "\(member): \(String(decoding: name, as: UTF8.self))")
        }
    }

    @Test("instance documents and non-documents are left to the tree path")
    func refusals() {
        for text in ["", "{}", "[]", "{\"workers\":[]}", "{\"version\":\"1\",\"pid\":1,\"uid\":0,\"gid\":0,\"cwd\":\"/\"}",
                     "{\"version\":\"1\",\"pid\":-1,\"uid\":0,\"gid\":0,\"cwd\":\"/\",\"cheap\":0}",
                     "{\"version\":\"1\",\"pid\":1.0,\"uid\":0,\"gid\":0,\"cwd\":\"/\",\"cheap\":0}",
                     "{\"version\":\"1\",\"pid\":1,\"uid\":0,\"gid\":0,\"cwd\":\"/\",\"cheap\":0,}",
                     "{\"version\":\"1\",\"pid\":1,\"uid\":0,\"gid\":0,\"cwd\":\"/\",\"cheap\":0} x"] {
            #expect(Self.singlePass(Array(text.utf8)) == nil, "\(text)")
        }
        let good = "{\"version\":\"1\",\"pid\":1,\"uid\":0,\"gid\":0,\"cwd\":\"/\",\"cheap\":0,\"x\":[{\"y\":-1.5e3},true,null]}"
        #expect(Self.singlePass(Array(good.utf8)) == StatsDocument(version: "1", pid: 1, cwd: "/", activeSessions: nil, cheap: 0))
    }

    @Test("a node member given twice: the later value wins, and a later null unsets a required one")
    func nodeDuplicates() {
        let node = #"{"name":"n","modifier1":0,"modifier2":0,"last_check":1,"pid":0,"uid":0,"gid":0,"requests":5,"#
            + #""last_requests":0,"tx":0,"rx":0,"cores":1,"load":0,"weight":1,"wrr":0,"ref":0,"failcnt":0,"death_mark":0"#
        let document = { (members: String) in
            #"{"version":"1","pid":1,"uid":0,"gid":0,"cwd":"/","subscriptions":[{"key":"k","hash":1,"hits":0,"nodes":["#
                + node + members + #"}]}],"cheap":0}"#
        }
        let later = Array(document(#","requests":7"#).utf8)
        #expect(Self.agrees(later, "later value"))
        #expect(Self.singlePass(later)?.subscriptions?.first?.nodes.first?.requests == 7)
        let unset = Array(document(#","requests":null"#).utf8)
        #expect(Self.singlePass(unset) == nil)
        #expect((try? StatsDocument.decodeThroughTree(lenient: unset)) == nil)
    }

    @Test("duplicate keys: later values win, the first list of strings is the listener list")
    func duplicates() throws {
        let text = """
            {"version":"a","version":"b","pid":1,"uid":2,"gid":3,"cwd":"/","http":[1],"http":["x"],"fastrouter":["y"],\
            "pid":7,"cheap":null,"active_sessions":4}
            """
        let bytes = Array(text.utf8)
        let fast = try #require(Self.singlePass(bytes))
        #expect(fast.version == "b" && fast.pid == 7)
        #expect(fast.listeners == .init(routerName: "http", addresses: ["x"]))
        #expect(fast == (try StatsDocument.decodeThroughTree(lenient: bytes)))
    }

    @Test("subscription_drops: counts by reason, null members absent, later duplicates win, same in both paths")
    func subscriptionDrops() throws {
        let text = """
            {"version":"1","pid":1,"uid":0,"gid":0,"cwd":"/","cheap":0,\
            "subscription_drops":{"source":3,"bad_signature":0,"replayed":null,"source":5,"key_limit":18446744073709551615}}
            """
        let bytes = Array(text.utf8)
        let fast = try #require(Self.singlePass(bytes))
        #expect(fast.subscriptionDrops == ["source": 5, "bad_signature": 0, "key_limit": UInt64.max])
        #expect(fast == (try StatsDocument.decodeThroughTree(lenient: bytes)))
        let absent = Array(#"{"version":"1","pid":1,"uid":0,"gid":0,"cwd":"/","cheap":0,"subscription_drops":null}"#.utf8)
        #expect(Self.singlePass(absent)?.subscriptionDrops == nil)
        #expect(try StatsDocument.decode(strict: absent).subscriptionDrops == nil)
        // A count that is not an unsigned integer is an error naming the member, on both paths.
        for bad in [#"{"source":-1}"#, #"{"source":"3"}"#, #"[1]"#, #"{"source":1.5}"#] {
            let input = Array(#"{"version":"1","pid":1,"uid":0,"gid":0,"cwd":"/","cheap":0,"subscription_drops":\#(bad)}"#.utf8)
            #expect(Self.singlePass(input) == nil, "\(bad)")
            #expect {
                try StatsDocument.decode(strict: input)
            } throws: { error in
                guard case WireError.malformedStats(let reason) = error else { return false }
                return reason.contains("document.subscription_drops")
            }
        }
    }

    @Test("seeded random documents decode the same way in both styles")
    func randomDocuments() async {
        var generator = StatsDocumentGenerator(random: StatsTestRandom(seed: 0x51_9C1E))
        var fast = 0
        for round in 0..<2_000 {
            var document = generator.document()
            // Every other document has escape-free strings, so the single pass decides it.
            if round % 2 == 0 { document = Self.plain(document) }
            for style in [JSONStyle.compact, .pretty] {
                let bytes = document.encodeJSON(style: style)
                if Self.agrees(bytes, "round \(round) \(style)") {
                    fast += 1
                    #expect(Self.singlePass(bytes) == document, "round \(round) \(style)")
                }
            }
        }
        #expect(fast >= 2_000, "only \(fast) of 4,000 encodings took the single pass")
    }

    @Test("20,000 mutated samples: whatever the single pass accepts, the tree path decodes the same")
    func mutations() async throws {
        let samples = try StatsFuzzTests.seeds.map { try StatsSamples.bytes($0) }
        var random = StatsTestRandom(seed: 0x5EED_0001)
        var fast = 0
        for round in 0..<20_000 {
            let input = StatsFuzzTests.input(round: round, samples: samples, random: &random)
            if Self.agrees(input, "round \(round)") { fast += 1 }
        }
        // Some mutations (whitespace, digits) leave strict JSON behind; those must be taken.
        #expect(fast > 500, "only \(fast) mutated inputs took the single pass")
    }

    /// The document with every string reduced to printable ASCII that needs no escapes.
    static func plain(_ document: StatsDocument) -> StatsDocument {
        func clean(_ text: String) -> String {
            String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "\\" }.map(Character.init))
        }
        var copy = document
        copy.version = clean(copy.version)
        copy.cwd = clean(copy.cwd)
        copy.kind = copy.kind.map(clean)
        copy.admin = copy.admin.map(clean)
        copy.adminRouter = copy.adminRouter.map(clean)
        if let listeners = copy.listeners {
            copy.listeners = .init(routerName: listeners.routerName, addresses: listeners.addresses.map(clean))
        }
        copy.staticNodes = copy.staticNodes?.map { node in
            var node = node
            node.name = clean(node.name)
            return node
        }
        copy.subscriptions = copy.subscriptions?.map { slot in
            var slot = slot
            slot.key = clean(slot.key)
            slot.algo = slot.algo.map(clean)
            slot.nodes = slot.nodes.map { node in
                var node = node
                node.name = clean(node.name)
                node.vassal = node.vassal.map(clean)
                node.proto = node.proto.map(clean)
                return node
            }
            return slot
        }
        copy.peers = copy.peers?.map { peer in
            var peer = peer
            peer.addr = clean(peer.addr)
            return peer
        }
        copy.tuntapFirewall = copy.tuntapFirewall.map {
            .init(inbound: $0.inbound.map(clean), outbound: $0.outbound.map(clean), routes: $0.routes.map(clean))
        }
        copy.sessions = copy.sessions?.map { session in
            var session = session
            session.client = clean(session.client)
            session.key = clean(session.key)
            session.node = clean(session.node)
            session.state = clean(session.state)
            return session
        }
        copy.tls = copy.tls.map { tls in
            var tls = tls
            tls.listeners = tls.listeners.map { listener in
                var listener = listener
                listener.name = clean(listener.name)
                listener.certificate = clean(listener.certificate)
                listener.handshakeFailures = Dictionary(listener.handshakeFailures.map { (clean($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
                return listener
            }
            tls.sni = tls.sni.map { context in
                var context = context
                context.name = clean(context.name)
                context.source = clean(context.source)
                context.certificate = clean(context.certificate)
                return context
            }
            tls.lastReloadError = tls.lastReloadError.map(clean)
            return tls
        }
        copy.subscriptionDrops = copy.subscriptionDrops.map { drops in
            Dictionary(drops.map { (clean($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
        }
        return copy
    }
}
