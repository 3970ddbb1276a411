import Foundation
import RouterWire
import Testing

@Suite("Stats document: lenient decoding of uWSGI's defects")
struct StatsLenientTests {
    static func raw() throws -> String {
        String(decoding: try StatsSamples.bytes("stats/01-subscribed.http-router.raw.json"), as: UTF8.self)
    }

    static func replacing(_ old: String, with new: String) throws -> [UInt8] {
        let text = try raw()
        try #require(text.contains(old), "sample lacks \(old)")
        return Array(text.replacingOccurrences(of: old, with: new).utf8)
    }

    static func decodeFails(_ bytes: [UInt8]) -> String? {
        do {
            _ = try StatsDocument.decode(lenient: bytes)
            return nil
        } catch {
            guard case .malformedStats(let reason) = error else { return "unexpected \(error)" }
            return reason
        }
    }

    @Test("the listener-list trailing comma (two routers in one instance) is dropped")
    func listenerTrailingComma() throws {
        let bytes = try Self.replacing("\"127.0.0.1:17070\"\n\t]", with: "\"127.0.0.1:17070\",\n\n\t]")
        // Strict JSON refuses it (Foundation's parser on Linux happens to accept trailing commas).
        #expect(throws: WireError.self) { try JSONValue(parsing: bytes) }
        let document = try StatsDocument.decode(lenient: bytes)
        #expect(document.listeners?.addresses == ["127.0.0.1:18080", "127.0.0.1:17070"])
        #expect(document.subscriptions?.first?.nodes.count == 3)
    }

    @Test("trailing commas before '}' and ']' anywhere, with whitespace between")
    func trailingCommasEverywhere() throws {
        var text = try Self.raw()
        text = text.replacingOccurrences(of: "\"death_mark\":0\n", with: "\"death_mark\":0 ,\r\n \t")
        text = text.replacingOccurrences(of: "\"cheap\":0\n}", with: "\"cheap\":0,}")
        let document = try StatsDocument.decode(lenient: Array(text.utf8))
        #expect(document.subscriptions?.first?.nodes.map(\.deathMark) == [0, 0, 0])
        #expect(document.cheap == 0)
    }

    @Test("raw control bytes inside strings are kept as the characters they are")
    func rawControlBytes() throws {
        let tab = try StatsDocument.decode(lenient: Self.replacing("\"name\":\"127.0.0.1:13032\"", with: "\"name\":\"node\ttwo\r\n\"")) 
        #expect(tab.subscriptions?.first?.nodes[1].name == "node\ttwo\r\n")
        let control = try StatsDocument.decode(lenient: Self.replacing("\"cwd\":\"/srv/app\"", with: "\"cwd\":\"/srv/\u{01}\u{00}\u{1F}app\""))
        #expect(control.cwd == "/srv/\u{01}\u{00}\u{1F}app")
    }

    @Test("an unescaped quote inside a key or name is part of the string")
    func unescapedQuotes() throws {
        let document = try StatsDocument.decode(lenient: Self.replacing("\"key\":\"app.local\"", with: "\"key\":\"app\"lo\"\"cal\""))
        #expect(document.subscriptions?.first?.key == "app\"lo\"\"cal")
        let spaced = try StatsDocument.decode(lenient: Self.replacing("\"cwd\":\"/srv/app\"", with: "\"cwd\":\"say \"hi\" x\""))
        #expect(spaced.cwd == "say \"hi\" x")
    }

    @Test("garbage proto bytes from uWSGI's uninitialised memory still decode")
    func garbageProto() throws {
        for garbage: [UInt8] in [[0x22], [0x5C], [0x00], [0xC3], [0xFF], [0x0A]] {
            var bytes = try Self.replacing("\"weight\":1,\n\t\t\t\t\t\"wrr\"", with: "\"weight\":1,\n\t\t\t\t\t\"backup\":0,\n\t\t\t\t\t\"proto\":\"@\",\n\t\t\t\t\t\"wrr\"")
            while let at = bytes.firstIndex(of: UInt8(ascii: "@")) {
                bytes.replaceSubrange(at...at, with: garbage)
            }
            let document = try StatsDocument.decode(lenient: bytes)
            let expected = String(decoding: garbage, as: UTF8.self)
            #expect(document.subscriptions?.first?.nodes.map(\.proto) == [expected, expected, expected], "proto byte \(garbage)")
            #expect(document.subscriptions?.first?.nodes.map(\.backup) == [0, 0, 0])
        }
    }

    @Test("backslashes are literal in documents that need repair, escapes in valid ones")
    func backslashes() throws {
        let broken = try StatsDocument.decode(lenient: Self.replacing("\"cwd\":\"/srv/app\"", with: "\"cwd\":\"C:\\new\\q\\\""))
        #expect(broken.cwd == "C:\\new\\q\\")
        let valid = try StatsDocument.decode(lenient: Self.replacing("\"cwd\":\"/srv/app\"", with: "\"cwd\":\"a\\n\\u00e9\\\"\""))
        #expect(valid.cwd == "a\né\"")
    }

    @Test("invalid UTF-8 inside a string becomes U+FFFD; valid multibyte text is kept")
    func invalidUTF8() throws {
        var bytes = try Self.replacing("\"cwd\":\"/srv/app\"", with: "\"cwd\":\"é@€𝄞\"")
        let at = try #require(bytes.firstIndex(of: UInt8(ascii: "@")))
        bytes.replaceSubrange(at...at, with: [0xC3, 0x28, 0xED, 0xA0, 0x80, 0xF8])
        let document = try StatsDocument.decode(lenient: bytes)
        #expect(document.cwd.hasPrefix("é\u{FFFD}("))
        #expect(document.cwd.hasSuffix("€𝄞"))
        #expect(!document.cwd.contains("@"))
    }

    @Test("all of uWSGI's defects at once, with a trailing newline added")
    func allDefects() throws {
        var text = try Self.raw()
        text = text.replacingOccurrences(of: "\"127.0.0.1:17070\"\n", with: "\"127.0.0.1:17070\",\n\n")
        text = text.replacingOccurrences(of: "\"key\":\"app.local\"", with: "\"key\":\"a\"p\tp\u{7}\"")
        text += "\n"
        let document = try StatsDocument.decode(lenient: Array(text.utf8))
        #expect(document.subscriptions?.first?.key == "a\"p\tp\u{7}")
        // Re-encoded, it is strict JSON that Foundation accepts.
        let encoded = document.encodeJSON()
        let object = try JSONSerialization.jsonObject(with: Data(encoded)) as? [String: Any]
        let slots = try #require(object?["subscriptions"] as? [[String: Any]])
        #expect(slots.first?["key"] as? String == "a\"p\tp\u{7}")
    }

    @Test("hopeless input is a typed error naming the byte offset in the original input")
    func hopelessOffset() throws {
        // The repaired trailing comma before the fault shifts offsets; the reported one is the input's.
        var text = try Self.raw()
        text = text.replacingOccurrences(of: "\"127.0.0.1:17070\"\n", with: "\"127.0.0.1:17070\",\n")
        text = text.replacingOccurrences(of: "\"tx\":0,\n\t\t\t\t\t\"rx\":0", with: "\"tx\":0,\n\t\t\t\t\t\"rx\":@")
        let bytes = Array(text.utf8)
        let at = try #require(bytes.firstIndex(of: UInt8(ascii: "@")))
        let reason = try #require(Self.decodeFails(bytes))
        #expect(reason.contains("byte offset \(at)"), "\(reason)")
        #expect(reason.contains("'@'"))
    }

    @Test("empty, truncated and non-JSON inputs are typed errors", arguments: ["", "   ", "{", "{\"version\":", "[1,2]", "null", "\"x\"", "{}", "{\"a\" 1}", "nul", "{\"pid\":01}"])
    func shortInputs(text: String) {
        #expect(Self.decodeFails(Array(text.utf8)) != nil)
    }

    @Test("a number where uWSGI prints unsigned integers must be one")
    func numbers() throws {
        let negative = Self.decodeFails(try Self.replacing("\"pid\":1619", with: "\"pid\":-3"))
        #expect(negative == "document.pid is the number -3, expected an unsigned integer")
        let fraction = Self.decodeFails(try Self.replacing("\"weight\":1,\n\t\t\t\t\t\"wrr\":0,\n\t\t\t\t\t\"ref\":0,\n\t\t\t\t\t\"failcnt\":0,\n\t\t\t\t\t\"death_mark\":0\n\t\t\t\t}\n\t\t\t]", with: "\"weight\":1.5,\n\t\t\t\t\t\"wrr\":0,\n\t\t\t\t\t\"ref\":0,\n\t\t\t\t\t\"failcnt\":0,\n\t\t\t\t\t\"death_mark\":0\n\t\t\t\t}\n\t\t\t]"))
        #expect(fraction == "document.subscriptions[0].nodes[2].weight is the number 1.5, expected an unsigned integer")
        let huge = Self.decodeFails(try Self.replacing("\"hash\":52178", with: "\"hash\":18446744073709551616"))
        #expect(huge == "document.subscriptions[0].hash is the number 18446744073709551616, expected an unsigned integer")
        let text = Self.decodeFails(try Self.replacing("\"cheap\":0", with: "\"cheap\":\"0\""))
        #expect(text == "document.cheap is a string, expected an unsigned integer")
        let max = try StatsDocument.decode(lenient: Self.replacing("\"hash\":52178", with: "\"hash\":18446744073709551615"))
        #expect(max.subscriptions?.first?.hash == UInt64.max)
    }

    @Test("a missing required key is named with its path")
    func missingKey() throws {
        let reason = Self.decodeFails(try Self.replacing("\"last_requests\":0,\n", with: ""))
        #expect(reason == "document.subscriptions[0].nodes[0] has no 'last_requests' key")
        #expect(Self.decodeFails(try Self.replacing("\"cwd\":\"/srv/app\",\n", with: "")) == "document has no 'cwd' key")
    }

    @Test("unknown keys are ignored; the listener list is the first array of strings with a router name")
    func unknownKeysAndListenerList() throws {
        let text = """
        {"version":"2.1","future":{"x":[1,{"y":null}]},"pid":1,"uid":0,"gid":0,"cwd":"/","active_sessions":0,
        "http":[1],"fastrouter":["a:1"],"rawrouter":["b:2"],"subscriptions":[{"key":"k","hash":1,"hits":0,
        "nodes":[{"name":"n","modifier1":0,"modifier2":0,"last_check":0,"pid":0,"uid":0,"gid":0,"requests":0,
        "last_requests":0,"tx":0,"rx":0,"cores":0,"load":0,"weight":1,"wrr":0,"ref":0,"failcnt":0,"death_mark":0,
        "latency_us":12,"drain":1,"state":"draining","operator_weight":7}]}],"cheap":0,"later":true}
        """
        let document = try StatsDocument.decode(lenient: Array(text.utf8))
        #expect(document.listeners == .init(routerName: "fastrouter", addresses: ["a:1"]))
        #expect(document.subscriptions?.first?.sniEnabled == nil)
        let fields = try #require(document.subscriptions?.first?.nodes.first?.operatorFields)
        #expect(fields == .init(state: .draining, drain: 1, operatorWeight: 7))
    }

    @Test("bad Fleettop enum values are typed errors naming the key")
    func badFleettopValues() throws {
        let mode = Self.decodeFails(try Self.replacing("\"cheap\":0", with: "\"cheap_mode\":\"sometimes\",\"cheap\":0"))
        #expect(mode == "document.cheap_mode is \"sometimes\", expected auto, on or off")
        let state = Self.decodeFails(try Self.replacing("\"death_mark\":0\n\t\t\t\t},", with: "\"death_mark\":0,\"state\":\"asleep\"\n\t\t\t\t},"))
        #expect(state == "document.subscriptions[0].nodes[0].state is \"asleep\", expected ready, draining, drained or dead")
    }

    @Test("a tuntap document: peers, no listener list, no cheap")
    func tuntap() throws {
        let text = """
        {
        \t"version":"2.0.21-debian",
        \t"pid":10,
        \t"uid":0,
        \t"gid":0,
        \t"cwd":"/srv/app",
        \t"peers":[
        \t\t{
        \t\t\t"addr":"192.168.0.2",
        \t\t\t"addr_32":33597632,
        \t\t\t"uid":1000,
        \t\t\t"gid":1000,
        \t\t\t"pid":4242,
        \t\t\t"tx":88,
        \t\t\t"rx":64,
        \t\t\t"dropped":1
        \t\t},
        \t]
        }
        """
        let document = try StatsDocument.decode(lenient: Array(text.utf8))
        #expect(document.peers == [.init(addr: "192.168.0.2", addr32: 33597632, uid: 1000, gid: 1000, pid: 4242, tx: 88, rx: 64, dropped: 1)])
        #expect(document.listeners == nil && document.cheap == nil && document.activeSessions == nil)
        let fixed = text.replacingOccurrences(of: "},\n", with: "}\n")
        #expect(document.encodeJSON(style: .pretty) == Array(fixed.utf8))
    }

    @Test("pathological inputs stay linear: long whitespace runs after quotes and commas")
    func pathologicalInputs() {
        let quotes = "{\"cwd\":\"" + String(repeating: "\" ", count: 200_000) + "x"
        #expect(Self.decodeFails(Array(quotes.utf8)) != nil)
        let commas = "[" + String(repeating: ", ", count: 200_000) + "]"
        #expect(Self.decodeFails(Array(commas.utf8)) != nil)
        let deep = String(repeating: "[", count: 100_000)
        #expect(Self.decodeFails(Array(deep.utf8))?.contains("nesting deeper than 64") == true)
    }
}
