/// A coding key made from any member name, for objects whose keys are data (the listener list).
struct DynamicCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }

    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}

extension JSONValue: Codable {
    /// Decodes any JSON value from a `Decoder` (member order is the decoder's `allKeys` order).
    public init(from decoder: any Decoder) throws {
        if let keyed = try? decoder.container(keyedBy: DynamicCodingKey.self) {
            var members: [Member] = []
            for key in keyed.allKeys {
                members.append(Member(key.stringValue, try keyed.decode(JSONValue.self, forKey: key)))
            }
            self = .object(members)
            return
        }
        if var unkeyed = try? decoder.unkeyedContainer() {
            var elements: [JSONValue] = []
            while !unkeyed.isAtEnd {
                elements.append(try unkeyed.decode(JSONValue.self))
            }
            self = .array(elements)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            self = .null
        } else if let value = try? single.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? single.decode(UInt64.self) {
            self = .unsigned(value)
        } else if let value = try? single.decode(Int64.self) {
            self = .otherNumber(String(value))
        } else if let value = try? single.decode(Double.self) {
            self = .otherNumber(String(value))
        } else {
            self = .string(try single.decode(String.self))
        }
    }

    /// Encodes the value; objects go through a keyed container in stored member order (whether
    /// that order survives depends on the encoder; `encoded()` always keeps it).
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var single = encoder.singleValueContainer()
            try single.encodeNil()
        case .bool(let value):
            var single = encoder.singleValueContainer()
            try single.encode(value)
        case .unsigned(let value):
            var single = encoder.singleValueContainer()
            try single.encode(value)
        case .otherNumber(let text):
            var single = encoder.singleValueContainer()
            if let value = Int64(text) {
                try single.encode(value)
            } else if let value = Double(text) {
                try single.encode(value)
            } else {
                try single.encode(text)
            }
        case .string(let value):
            var single = encoder.singleValueContainer()
            try single.encode(value)
        case .array(let elements):
            var unkeyed = encoder.unkeyedContainer()
            for element in elements { try unkeyed.encode(element) }
        case .object(let members):
            var keyed = encoder.container(keyedBy: DynamicCodingKey.self)
            for member in members { try keyed.encode(member.value, forKey: DynamicCodingKey(member.key)) }
        }
    }
}
