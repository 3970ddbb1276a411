/// The one rule for reading an admin bearer token out of a token file, shared by the router
/// (`--admin-token-file`) and the client (fleettop, `ctl`), so both always agree on the token:
/// surrounding spaces, tabs, CR and LF are dropped; what is left must be non-empty UTF-8 with
/// no control character (a CR or LF inside would split the `Authorization` header).
public enum AdminTokenText {
    /// Why a file's bytes are not a token.
    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        /// Nothing but whitespace.
        case empty
        /// Not UTF-8 text.
        case notText
        /// A control character (CR, LF, NUL…) inside the token, at this byte offset.
        case controlCharacter(offset: Int)

        /// What is wrong, for an error naming the file.
        public var description: String {
            switch self {
            case .empty: "the file holds no token"
            case .notText: "the token is not UTF-8 text"
            case .controlCharacter(let offset): "the token contains a control character (CR, LF or similar) at byte \(offset); expected one line"
            }
        }
    }

    /// The token in `bytes` (a token file's content).
    public static func token(from bytes: [UInt8]) throws(Problem) -> String {
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        guard let first = bytes.firstIndex(where: { !isBlank($0) }), let last = bytes.lastIndex(where: { !isBlank($0) }) else {
            throw .empty
        }
        let core = bytes[first...last]
        if let bad = core.firstIndex(where: { $0 < 0x20 || $0 == 0x7F }) { throw .controlCharacter(offset: bad) }
        guard let text = String(validating: core, as: UTF8.self) else { throw .notText }
        return text
    }

    /// The mode bits that make a token file too open: any access for group or others.
    public static let forbiddenModeBits: UInt32 = 0o077

    /// The refusal for a token file whose permission bits are `mode`, as ssh words it for
    /// keys; nil when only the owner may access it.
    public static func modeProblem(_ mode: UInt32, path: String) -> String? {
        guard mode & forbiddenModeBits != 0 else { return nil }
        let octal = String(mode & 0o7777, radix: 8)
        let padded = String(repeating: "0", count: max(0, 4 - octal.count)) + octal
        return "permissions \(padded) for '\(path)' are too open: a token file must not be accessible by group or others (chmod 600 \(path))"
    }
}
