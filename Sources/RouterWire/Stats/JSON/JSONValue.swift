/// A parsed JSON value that keeps object members in document order, so key order can be
/// checked and re-emitted exactly (uWSGI consumers and the golden tests care about it).
public enum JSONValue: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A non-negative integer that fits 64 bits: the only number uWSGI prints.
    case unsigned(UInt64)
    /// Any other number (negative, fractional, exponent, too large), kept as its source text.
    case otherNumber(String)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object's members in document order (duplicates kept; readers take the last).
    case object([Member])

    /// One object member.
    public struct Member: Sendable, Hashable {
        /// The member name.
        public var key: String
        /// The member value.
        public var value: JSONValue

        /// Creates a member.
        public init(_ key: String, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// The object's member names in order, or an empty list for non-objects.
    public var keys: [String] {
        guard case .object(let members) = self else { return [] }
        return members.map(\.key)
    }

    /// The value of the last member named `key`, when this is an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last(where: { $0.key == key })?.value
    }

    /// A short description of the value's kind for error messages.
    var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .unsigned: return "an unsigned integer"
        case .otherNumber(let text): return "the number \(text)"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

extension JSONValue {
    /// Parses strict JSON text (RFC 8259; invalid UTF-8 inside strings becomes U+FFFD).
    public init(parsing bytes: some Collection<UInt8>) throws(WireError) {
        do {
            self = try JSONParser.parse(bytes)
        } catch {
            throw error.statsError()
        }
    }

    /// Strict, compact JSON text for the value, members in their stored order.
    public func encoded() -> [UInt8] {
        var writer = JSONWriter(style: .compact)
        writer.write(self)
        return writer.bytes
    }
}
