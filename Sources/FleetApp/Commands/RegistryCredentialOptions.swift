import ArgumentParser
import FleetRegistry

/// `--registry-user` and `--registry-password-file`: who fleettop is to an etcd registry
/// with authentication on.
public struct RegistryCredentialOptions: ParsableArguments {
    /// `--registry-user NAME`.
    @Option(name: .customLong("registry-user"), help: ArgumentHelp(
        "The etcd user to authenticate as, for a registry with authentication on (with --registry-password-file).",
        valueName: "name"))
    public var user: String?

    /// `--registry-password-file FILE`.
    @Option(name: .customLong("registry-password-file"), help: ArgumentHelp(
        "A file whose first line is the --registry-user's password.", valueName: "file"))
    public var passwordFile: String?

    /// Creates empty options (ArgumentParser fills them in).
    public init() {}

    /// Both or neither, and a readable password file.
    public func validate() throws {
        _ = try credentials()
    }

    /// The credentials given, nil when none; the error names the option or the file.
    public func credentials() throws -> EtcdCredentials? {
        switch (user, passwordFile) {
        case (nil, nil):
            return nil
        case let (user?, file?):
            do {
                return try EtcdCredentials(user: user, passwordFile: file)
            } catch {
                throw ValidationError(error.description)
            }
        case (nil, _?):
            throw ValidationError("--registry-password-file needs --registry-user, the user whose password it holds")
        case (_?, nil):
            throw ValidationError("--registry-user needs --registry-password-file, the file holding the password")
        }
    }

    /// `location` with these credentials (validated already).
    public func applied(to location: RegistryLocation) -> RegistryLocation {
        var location = location
        location.credentials = (try? credentials()) ?? nil
        return location
    }
}
