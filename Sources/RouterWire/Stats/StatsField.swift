/// Where a member sits in the document (`document.subscriptions[0].nodes[2]`); two levels
/// of arrays are all a stats document has. Kept as parts so no string is built unless an
/// error is thrown.
struct StatsPath: CustomStringConvertible {
    private var outer: (key: String, index: Int)?
    private var inner: (key: String, index: Int)?

    /// The document itself.
    static let document = StatsPath()

    /// The path of element `index` of the array member `key` below this path.
    func appending(_ key: String, _ index: Int) -> StatsPath {
        var path = self
        if path.outer == nil { path.outer = (key, index) } else { path.inner = (key, index) }
        return path
    }

    var description: String {
        var text = "document"
        if let outer { text += ".\(outer.key)[\(outer.index)]" }
        if let inner { text += ".\(inner.key)[\(inner.index)]" }
        return text
    }
}

/// Typed reads of stats document members, with errors that name the member's path
/// (`document.subscriptions[0].nodes[2].weight`).
enum StatsField {
    static func members(_ json: JSONValue, _ path: StatsPath) throws(WireError) -> [JSONValue.Member] {
        guard case .object(let members) = json else {
            throw .malformedStats(reason: "\(path) is \(json.kindName), expected an object")
        }
        return members
    }

    /// An unsigned integer, or nil for `null`.
    static func unsigned(_ json: JSONValue, _ key: String, _ path: StatsPath) throws(WireError) -> UInt64? {
        switch json {
        case .unsigned(let value): return value
        case .null: return nil
        default: throw .malformedStats(reason: "\(path).\(key) is \(json.kindName), expected an unsigned integer")
        }
    }

    /// An object of unsigned counts by name, or nil for `null`; a `null` count is absent.
    static func counts(_ json: JSONValue, _ key: String, _ path: StatsPath) throws(WireError) -> [String: UInt64]? {
        switch json {
        case .object(let members):
            var counts: [String: UInt64] = [:]
            for member in members {
                switch member.value {
                case .unsigned(let count): counts[member.key] = count
                case .null: break
                default:
                    throw .malformedStats(reason: "\(path).\(key).\(member.key) is \(member.value.kindName), expected an unsigned integer")
                }
            }
            return counts
        case .null:
            return nil
        default:
            throw .malformedStats(reason: "\(path).\(key) is \(json.kindName), expected an object of counts")
        }
    }

    /// A string, or nil for `null`.
    static func string(_ json: JSONValue, _ key: String, _ path: StatsPath) throws(WireError) -> String? {
        switch json {
        case .string(let value): return value
        case .null: return nil
        default: throw .malformedStats(reason: "\(path).\(key) is \(json.kindName), expected a string")
        }
    }

    /// An array of objects, each built by `element` with its own path; nil for `null`.
    static func objects<Element>(
        _ json: JSONValue, _ key: String, _ path: StatsPath,
        _ element: (JSONValue, StatsPath) throws(WireError) -> Element
    ) throws(WireError) -> [Element]? {
        switch json {
        case .array(let items):
            var result: [Element] = []
            result.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                result.append(try element(item, path.appending(key, index)))
            }
            return result
        case .null:
            return nil
        default:
            throw .malformedStats(reason: "\(path).\(key) is \(json.kindName), expected an array")
        }
    }

    /// The value of a required key.
    static func require<Value>(_ value: Value?, _ key: String, _ path: StatsPath) throws(WireError) -> Value {
        guard let value else { throw .malformedStats(reason: "\(path) has no '\(key)' key") }
        return value
    }
}
