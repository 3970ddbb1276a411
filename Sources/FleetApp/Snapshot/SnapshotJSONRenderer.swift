import FleetModel
import RouterWire

/// `fleettop snapshot --json`: one JSON object whose keys are router names (fleet order) and
/// whose values are the routers' stats documents as they sent them (re-encoded in uWSGI's key
/// order). Routers that did not answer are left out (their errors go to stderr).
public enum SnapshotJSONRenderer {
    /// The object, one router per line, ending in a newline.
    public static func render(_ snapshot: FleetSnapshot) -> String {
        let members = snapshot.entries.compactMap { entry -> String? in
            guard let document = entry.latest else { return nil }
            return "  " + quoted(entry.endpoint.name) + ": " + String(decoding: document.encodeJSON(style: .compact), as: UTF8.self)
        }
        guard !members.isEmpty else { return "{}\n" }
        return "{\n" + members.joined(separator: ",\n") + "\n}\n"
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
