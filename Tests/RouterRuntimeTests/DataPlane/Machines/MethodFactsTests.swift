import NIOCore
import Testing
@testable import RouterRuntime

/// The request method's facts the HTTP machine acts on: HEAD (no response body) and the
/// idempotent methods (sent again after a node closed unanswered).
@Suite("Request method facts: HEAD and the idempotent methods")
struct MethodFactsTests {
    @Test("each idempotent method, HEAD alone among them bodiless", arguments: [
        ("GET", false), ("HEAD", true), ("OPTIONS", false), ("TRACE", false), ("PUT", false), ("DELETE", false),
    ])
    func idempotent(method: String, isHEAD: Bool) {
        let facts = DataPlane.methodFacts(ByteBuffer(string: method).readableBytesView)
        #expect(facts.isHEAD == isHEAD)
        #expect(facts.isIdempotent)
        #expect(DataPlane.isIdempotent(Array(method.utf8)))
    }

    @Test("other methods, other cases and near misses of every length are neither", arguments: [
        "", "G", "GE", "POST", "PATCH", "CONNECT", "get", "Head", "GETS", "PUTX", "HEAD ", "HEADS", "TRACES", "DELETED",
        "OPTION", "OPTIONSX", "GEt", "DELETe", "OPTIONs",
    ])
    func notIdempotent(method: String) {
        let facts = DataPlane.methodFacts(ByteBuffer(string: method).readableBytesView)
        #expect(!facts.isHEAD)
        #expect(!facts.isIdempotent)
        // A collection without contiguous storage takes the copying path, with the same answer.
        #expect(!DataPlane.isIdempotent(method.utf8.lazy.map { $0 }))
    }

    @Test("a collection without contiguous storage is read as well")
    func noncontiguous() {
        #expect(DataPlane.methodFacts("HEAD".utf8.lazy.map { $0 }) == (true, true))
        #expect(DataPlane.methodFacts(Array("DELETE".utf8).reversed().reversed()) == (false, true))
    }
}
