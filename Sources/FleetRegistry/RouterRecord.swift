import Foundation

/// What a router writes about itself under `PREFIX/routers/<name>`: how fleettop reaches it.
public struct RouterRecord: RegistryRecord {
    /// The router's unique name in the fleet (the last part of its key).
    public var name: String
    /// Its stats server, as a client connects to it (`127.0.0.1:9191`, a unix path).
    public var stats: String
    /// Its admin API, when it has one.
    public var admin: String?
    /// The router kinds it runs (`http`, `fastrouter`, …).
    public var kinds: [String]
    /// The fleetrouter version.
    public var version: String
    /// The host it runs on.
    public var host: String
    /// Its process id on that host.
    public var pid: Int32?

    /// Creates a record.
    public init(name: String, stats: String, admin: String? = nil, kinds: [String], version: String, host: String, pid: Int32? = nil) {
        self.name = name
        self.stats = stats
        self.admin = admin
        self.kinds = kinds
        self.version = version
        self.host = host
        self.pid = pid
    }

    /// The longest record read back; larger values are rejected as garbage.
    public static let sizeLimit = 16 * 1024

    /// True when `name` can be the last part of a key: 1–200 bytes of letters, digits and
    /// `-._:@[]`, so it needs no escaping and cannot climb out of the prefix.
    public static func isValidName(_ name: String) -> Bool {
        guard (1...200).contains(name.utf8.count), name != ".", name != ".." else { return false }
        return name.unicodeScalars.allSatisfy(isNameCharacter)
    }

    /// True for the characters a name may hold.
    public static func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "-", ".", "_", ":", "@", "[", "]": true
        default: false
        }
    }

    /// The record's JSON.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain strings and arrays cannot fail.
        return (try? encoder.encode(self)) ?? Data()
    }
}
