import Foundation

/// A user of an etcd cluster with authentication on: its name and password. The password is
/// read from a file (never from the command line, where `ps` shows it) and never printed.
public struct EtcdCredentials: Sendable, Hashable, CustomStringConvertible {
    /// The etcd user name.
    public var user: String
    /// The password.
    public var password: String

    /// Creates credentials.
    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }

    /// Reads the password from the first line of `path` (a trailing newline is not part of it).
    public init(user: String, passwordFile path: String) throws(EtcdCredentialsError) {
        guard !user.isEmpty, user.utf8.count <= 256, !user.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw EtcdCredentialsError(file: path, problem: "the user name must be 1 to 256 bytes without control characters")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EtcdCredentialsError(file: path, problem: "cannot be read")
        }
        guard data.count <= 4096 else { throw EtcdCredentialsError(file: path, problem: "is over 4096 bytes; it should hold one password") }
        guard let text = String(data: data, encoding: .utf8) else { throw EtcdCredentialsError(file: path, problem: "is not UTF-8 text") }
        // A line ends at \n or \r\n (one Character, which Character.isNewline covers).
        let password = String(text.split(maxSplits: 1, omittingEmptySubsequences: false, whereSeparator: \.isNewline).first ?? "")
        guard !password.isEmpty else { throw EtcdCredentialsError(file: path, problem: "is empty; it should hold the password on its first line") }
        self.init(user: user, password: password)
    }

    /// `user NAME`, without the password.
    public var description: String { "user \(user)" }
}

/// A password file that cannot be used.
public struct EtcdCredentialsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file named.
    public var file: String
    /// What is wrong.
    public var problem: String

    /// The message for the user.
    public var description: String { "etcd password file '\(file)' \(problem)" }
}

struct AuthenticateRequest: Encodable {
    var name: String
    var password: String
}

struct AuthenticateResponse: Decodable {
    var token: String?
}
