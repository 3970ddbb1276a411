import Foundation
import Testing
@testable import FleetRegistry

@Suite("Registry membership (no I/O)")
struct RegistryMembershipTests {
    static let prefix = "/f/routers/"

    static func record(_ name: String, stats: String = "127.0.0.1:9191") -> RouterRecord {
        RouterRecord(name: name, stats: stats, kinds: ["http"], version: "1", host: "h")
    }

    static func kv(_ name: String, _ record: RouterRecord?, revision: Int64, raw: Data? = nil) -> EtcdKeyValue {
        EtcdKeyValue(key: Data((prefix + name).utf8), value: raw ?? record?.encoded() ?? Data(), modRevision: revision)
    }

    @Test("A full read lists every valid record and reports them added")
    func reset() {
        var membership = RegistryMembership<RouterRecord>(prefix: Self.prefix)
        let changes = membership.reset([Self.kv("b", Self.record("b"), revision: 3), Self.kv("a", Self.record("a"), revision: 2)], revision: 5)
        #expect(changes == [.added(Self.record("a")), .added(Self.record("b"))])
        #expect(membership.sortedRecords.map(\.name) == ["a", "b"])
        #expect(membership.revision == 5)
    }

    @Test("A second full read reports only the difference")
    func resetDifference() {
        var membership = RegistryMembership<RouterRecord>(prefix: Self.prefix)
        _ = membership.reset([Self.kv("a", Self.record("a"), revision: 2), Self.kv("b", Self.record("b"), revision: 3)], revision: 3)
        let changed = Self.record("b", stats: "127.0.0.1:1")
        let changes = membership.reset([Self.kv("b", changed, revision: 9)], revision: 9)
        #expect(changes == [.updated(changed), .removed(name: "a")])
    }

    @Test("Put, same put, changed put, delete: added, nothing, updated, removed")
    func events() {
        var membership = RegistryMembership<RouterRecord>(prefix: Self.prefix)
        _ = membership.reset([], revision: 1)
        let a = Self.record("a")
        #expect(membership.apply([EtcdWatchEvent(kind: .put, kv: Self.kv("a", a, revision: 2))], revision: 2) == [.added(a)])
        #expect(membership.apply([EtcdWatchEvent(kind: .put, kv: Self.kv("a", a, revision: 3))], revision: 3) == [])
        let moved = Self.record("a", stats: "/run/a.sock")
        #expect(membership.apply([EtcdWatchEvent(kind: .put, kv: Self.kv("a", moved, revision: 4))], revision: 4) == [.updated(moved)])
        #expect(membership.apply([EtcdWatchEvent(kind: .delete, kv: Self.kv("a", nil, revision: 5))], revision: 5) == [.removed(name: "a")])
        #expect(membership.records.isEmpty)
        #expect(membership.revision == 5)
    }

    @Test("Events at or below the applied revision are ignored (a resumed watch cannot go back)")
    func staleEvents() {
        var membership = RegistryMembership<RouterRecord>(prefix: Self.prefix)
        _ = membership.reset([Self.kv("a", Self.record("a"), revision: 4)], revision: 6)
        #expect(membership.apply([EtcdWatchEvent(kind: .delete, kv: Self.kv("a", nil, revision: 5))], revision: 5) == [])
        #expect(membership.records["a"] != nil)
        #expect(membership.revision == 6)
    }

    @Test("Values that are not records are counted and left out", arguments: [
        ("a", Data("not json".utf8)),
        ("a", RegistryMembershipTests.record("other").encoded()),
        ("a", Data(repeating: 0x20, count: RouterRecord.sizeLimit + 1)),
        ("../x", RegistryMembershipTests.record("../x").encoded()),
    ])
    func rejected(name: String, raw: Data) {
        var membership = RegistryMembership<RouterRecord>(prefix: Self.prefix)
        let changes = membership.reset([Self.kv(name, nil, revision: 2, raw: raw)], revision: 2)
        #expect(changes.isEmpty)
        #expect(membership.records.isEmpty)
        #expect(membership.rejected == 1)
    }

    @Test("Keys outside the routers prefix are ignored")
    func outsidePrefix() {
        var membership = RegistryMembership<RouterRecord>(prefix: Self.prefix)
        _ = membership.reset([], revision: 1)
        let kv = EtcdKeyValue(key: Data("/f/intent/x".utf8), value: Data("{}".utf8), modRevision: 2)
        #expect(membership.apply([EtcdWatchEvent(kind: .put, kv: kv)], revision: 2) == [])
        #expect(membership.revision == 2)
    }

    @Test("Names: letters, digits and -._:@[], 1 to 200 bytes, not . or ..")
    func names() {
        #expect(RouterRecord.isValidName("web-1:127.0.0.1:9191"))
        #expect(RouterRecord.isValidName("[::1]:9191"))
        #expect(!RouterRecord.isValidName(""))
        #expect(!RouterRecord.isValidName(".."))
        #expect(!RouterRecord.isValidName("a/b"))
        #expect(!RouterRecord.isValidName("a b"))
        #expect(!RouterRecord.isValidName(String(repeating: "a", count: 201)))
    }
}
