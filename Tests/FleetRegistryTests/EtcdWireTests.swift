import Foundation
import NIOCore
import Testing
@testable import FleetRegistry

@Suite("etcd gateway JSON and framing")
struct EtcdWireTests {
    @Test("A prefix's range end is the prefix with its last byte incremented")
    func prefixEnd() {
        #expect(etcdPrefixEnd(Data("a/".utf8)) == Data("a0".utf8))
        #expect(etcdPrefixEnd(Data([0x61, 0xFF])) == Data([0x62]))
        #expect(etcdPrefixEnd(Data([0xFF, 0xFF])) == Data([0]))
    }

    @Test("Messages split at newlines across reads; a last one without newline ends the body")
    func splitter() throws {
        var splitter = EtcdMessageSplitter(limit: 64)
        #expect(try splitter.append(ByteBuffer(string: "{\"a\":1}\n{\"b\"")) == [ByteBuffer(string: "{\"a\":1}")])
        #expect(try splitter.append(ByteBuffer(string: ":2}\n\n  \n")) == [ByteBuffer(string: "{\"b\":2}")])
        #expect(try splitter.append(ByteBuffer(string: "{\"c\":3}")) == [])
        #expect(splitter.finish() == ByteBuffer(string: "{\"c\":3}"))
        #expect(splitter.finish() == nil)
    }

    @Test("A message over the limit is an error, not unbounded memory")
    func splitterLimit() {
        var splitter = EtcdMessageSplitter(limit: 16)
        #expect(throws: EtcdMessageSplitter.TooLarge(limit: 16)) {
            _ = try splitter.append(ByteBuffer(string: String(repeating: "x", count: 17)))
        }
    }

    @Test("64-bit integers read as strings or numbers; garbage is an error")
    func int64() throws {
        let decoder = JSONDecoder()
        #expect(try decoder.decode([EtcdInt64].self, from: Data(#"["9223372036854775807", 12]"#.utf8)).map(\.value) == [Int64.max, 12])
        #expect(throws: DecodingError.self) { _ = try decoder.decode([EtcdInt64].self, from: Data(#"["92233720368547758070"]"#.utf8)) }
        #expect(throws: DecodingError.self) { _ = try decoder.decode([EtcdInt64].self, from: Data(#"["x"]"#.utf8)) }
    }

    @Test("A watch message as etcd 3.4's gateway writes it")
    func watchMessage() throws {
        // Captured from etcd 3.4.23: a put (type omitted) and a delete in one message.
        let text = #"{"result":{"header":{"cluster_id":"1","member_id":"2","revision":"7","raft_term":"2"},"events":[{"kv":{"key":"L2Yvcm91dGVycy9h","create_revision":"6","mod_revision":"6","version":"1","value":"e30=","lease":"77"}},{"type":"DELETE","kv":{"key":"L2Yvcm91dGVycy9i","mod_revision":"7"}}]}}"#
        let message = try JSONDecoder().decode(WatchMessage.self, from: Data(text.utf8))
        let events = try #require(message.result?.events)
        #expect(message.result?.header?.revision?.value == 7)
        #expect(events.map(\.kind) == [.put, .delete])
        #expect(events[0].kv.keyText == "/f/routers/a")
        #expect(events[0].kv.lease == 77)
        #expect(events[1].kv.modRevision == 7)
        #expect(events[1].kv.value.isEmpty)
    }
}
