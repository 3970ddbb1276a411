import Foundation

/// One fleet-wide edit kept in the registry under `PREFIX/intent/NAME`: drain a node address on
/// every router, give it a weight, or set cheap mode, on every router or on the ones named.
/// Every router watching the prefix applies it; clearing it undoes it everywhere.
///
/// The name is derived from what the intent targets (`drain_127.0.0.1:3031`, `cheap_all`), so
/// two operators editing the same target meet on the same key and the registry's transactions
/// decide between them.
public struct FleetIntent: RegistryRecord {
    /// What the intent asks.
    public enum Action: String, Codable, Sendable, Hashable {
        /// No new sessions to `node`.
        case drain
        /// `node` weighs `weight`.
        case weight
        /// Cheap mode `cheap` (`on` or `off`).
        case cheap
    }

    /// The key's last part, derived from the target.
    public var name: String
    /// What it asks.
    public var action: Action
    /// The node address (drain, weight).
    public var node: String?
    /// The weight (weight), at least 1.
    public var weight: UInt64?
    /// The cheap mode (cheap): `on` or `off`.
    public var cheap: String?
    /// The routers it applies to by registry name; nil for every router.
    public var routers: [String]?
    /// Who set it (`$USER@host`, or `--operator`).
    public var author: String
    /// When, in seconds since 1970.
    public var time: Double
    /// Why.
    public var reason: String

    /// Largest value accepted.
    public static let sizeLimit = 16 * 1024

    /// A drain of `node`.
    public static func drain(node: String, routers: [String]? = nil, author: String, time: Double, reason: String) throws(FleetIntentError) -> FleetIntent {
        try FleetIntent(action: .drain, node: node, weight: nil, cheap: nil, routers: routers, author: author, time: time, reason: reason)
    }

    /// A weight for `node`.
    public static func weight(node: String, weight: UInt64, routers: [String]? = nil, author: String, time: Double, reason: String) throws(FleetIntentError) -> FleetIntent {
        try FleetIntent(action: .weight, node: node, weight: weight, cheap: nil, routers: routers, author: author, time: time, reason: reason)
    }

    /// Cheap mode `on` or `off`.
    public static func cheap(_ mode: String, routers: [String]? = nil, author: String, time: Double, reason: String) throws(FleetIntentError) -> FleetIntent {
        try FleetIntent(action: .cheap, node: nil, weight: nil, cheap: mode, routers: routers, author: author, time: time, reason: reason)
    }

    private init(
        action: Action, node: String?, weight: UInt64?, cheap: String?, routers: [String]?, author: String, time: Double, reason: String
    ) throws(FleetIntentError) {
        self.action = action
        self.node = node
        self.weight = weight
        self.cheap = cheap
        self.routers = routers.map { Array(Set($0)).sorted() }
        self.author = author
        self.time = time
        self.reason = reason
        self.name = ""
        if let problem = problem { throw FleetIntentError(problem: problem) }
        self.name = Self.name(action: action, node: node, routers: self.routers)
    }

    /// What is wrong with the fields, nil when they make a valid intent.
    public var problem: String? {
        func badText(_ text: String, max: Int) -> Bool {
            text.isEmpty || text.utf8.count > max || text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
        }
        switch action {
        case .drain, .weight:
            guard let node, !badText(node, max: 255) else { return "a \(action.rawValue) intent needs a node address of 1 to 255 bytes without control characters" }
            if action == .weight, (weight ?? 0) < 1 { return "a weight intent needs a weight of at least 1" }
        case .cheap:
            guard cheap == "on" || cheap == "off" else { return "a cheap intent needs the mode on or off" }
        }
        if let routers {
            guard !routers.isEmpty, routers.count <= 1000, routers.allSatisfy(RouterRecord.isValidName) else {
                return "the routers must be 1 to 1000 registry names"
            }
        }
        if badText(author, max: 200) { return "the author must be 1 to 200 bytes without control characters" }
        if badText(reason, max: 1000) { return "a reason is needed: 1 to 1000 bytes without control characters" }
        guard time.isFinite else { return "the time is not a number" }
        return nil
    }

    /// True when it applies to the router registered as `router` (nil: a router without a
    /// registry name, which only fleet-wide intents reach).
    public func applies(to router: String?) -> Bool {
        guard let routers else { return true }
        return router.map(routers.contains) ?? false
    }

    /// The key name for an intent on this target.
    public static func name(action: Action, node: String?, routers: [String]?) -> String {
        let target = node ?? "all"
        let scope = routers.map { "@" + $0.joined(separator: "+") } ?? ""
        let raw = "\(action.rawValue)_\(target)\(scope)"
        var name = ""
        for byte in raw.utf8 {
            let scalar = Unicode.Scalar(byte)
            if byte < 0x80, scalar != "%", RouterRecord.isNameCharacter(scalar) || scalar == "@" || scalar == "+" {
                name.unicodeScalars.append(scalar)
            } else {
                name += String(format: "%%%02X", byte)
            }
        }
        return name
    }

    /// Intent names: 1 to 3,000 bytes of name characters, `@`, `+` and `%XX`.
    public static func isValidName(_ name: String) -> Bool {
        guard (1...3000).contains(name.utf8.count), name != ".", name != ".." else { return false }
        return name.unicodeScalars.allSatisfy { RouterRecord.isNameCharacter($0) || $0 == "%" || $0 == "@" || $0 == "+" }
    }

    /// One line for logs and listings: `drain 127.0.0.1:3031 on every router (alice@h: deploy)`.
    public var summary: String {
        let what: String
        switch action {
        case .drain: what = "drain \(node ?? "?")"
        case .weight: what = "weight \(weight.map(String.init) ?? "?") for \(node ?? "?")"
        case .cheap: what = "cheap \(cheap ?? "?")"
        }
        let scope = routers.map { "on " + $0.joined(separator: ", ") } ?? "on every router"
        return "\(what) \(scope) (\(author): \(reason))"
    }

    /// The intent's JSON.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)) ?? Data()
    }
}

/// Fields that make no valid intent.
public struct FleetIntentError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public var problem: String

    /// The message.
    public var description: String { "fleet intent: \(problem)" }
}
