/// The base and pattern mappers' address building.
public enum KeyPattern {
    /// `--xxx-use-base`: prefix + key, concatenated as-is (the key is not sanitised, as in uWSGI).
    public static func base(_ prefix: String, key: RouteKey) -> String {
        prefix + key.string
    }

    /// `--xxx-use-pattern`: `%s` becomes the key, `%%` becomes `%`, `%(` is kept, any other
    /// `%X` is removed; a lone trailing `%` is kept.
    public static func expand(_ pattern: String, key: RouteKey) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(pattern.utf8.count + key.count)
        var iterator = pattern.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                output.append(byte)
                continue
            }
            guard let next = iterator.next() else {
                output.append(byte)
                break
            }
            switch next {
            case UInt8(ascii: "s"): output.append(contentsOf: key.bytes)
            case UInt8(ascii: "%"): output.append(UInt8(ascii: "%"))
            case UInt8(ascii: "("): output.append(contentsOf: [byte, next])
            default: break
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
