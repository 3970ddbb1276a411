// Codable goes through `JSONValue`, so there is one definition of the keys and their order
// (`write(to:)` and `init(json:)`). Foundation's JSONEncoder does not promise member order;
// use `encodeJSON()` where order matters (the stats server does).
extension StatsDocument: Codable {
    /// Decodes the document from any `Decoder` producing JSON-shaped values.
    public init(from decoder: any Decoder) throws {
        let json = try JSONValue(from: decoder)
        do {
            try self.init(json: json)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description, underlyingError: error))
        }
    }

    /// Encodes the document's members in uWSGI's order (if the encoder keeps order).
    public func encode(to encoder: any Encoder) throws {
        var writer = JSONWriter(style: .compact)
        write(to: &writer)
        // Our own writer's output always parses; a failure here would be a bug in the writer.
        let json = try JSONValue(parsing: writer.bytes)
        try json.encode(to: encoder)
    }
}
