import FleetRegistry
import Foundation
import Testing

/// Debian's `etcd` (package etcd-server) for the registry tests: in CI (`CI=true`) a missing
/// etcd fails them; elsewhere they are skipped with a notice.
enum Etcd {
    /// The `etcd` binary on PATH, if any.
    static let binary = executableOnPath("etcd")

    /// Whether the registry tests run.
    static let enabled = Uwsgi.mustRun || binary != nil

    /// Shown when they are skipped.
    static let skipNotice = "etcd is not installed (apt-get install etcd-server); set CI=true to make this a failure"

    /// The binary, or an error naming what to install.
    static func require() throws -> String {
        guard let binary else { throw InteropError("etcd not available (CI=\(Uwsgi.mustRun)): apt-get install etcd-server") }
        return binary
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test when etcd is installed; in CI always.
    static var requiresEtcd: Self {
        .enabled(if: Etcd.enabled, Comment(rawValue: Etcd.skipNotice))
    }
}

/// An etcd cluster of one or more members on loopback, each serving clients and peers on unix
/// sockets in a fresh directory (etcd's JSON gateway dials its own listen address, so a TCP
/// port 0 cannot be used; unix sockets need no port at all).
final class EtcdCluster: @unchecked Sendable {
    /// The directory holding sockets and data.
    let directory: TemporaryDirectory
    /// Member processes by index (nil while stopped).
    private(set) var members: [ManagedProcess?]
    private let size: Int

    private init(directory: TemporaryDirectory, size: Int) {
        self.directory = directory
        self.size = size
        self.members = Array(repeating: nil, count: size)
    }

    /// Starts `size` members and waits until every one serves clients.
    static func start(size: Int = 1) async throws -> EtcdCluster {
        _ = try Etcd.require()
        let cluster = EtcdCluster(directory: try TemporaryDirectory(prefix: "etcd"), size: size)
        do {
            try await withThrowingTaskGroup(of: (Int, ManagedProcess).self) { group in
                for index in 0..<size {
                    group.addTask { (index, try await cluster.launch(index)) }
                }
                for try await (index, process) in group { cluster.members[index] = process }
            }
        } catch {
            await cluster.stop()
            throw error
        }
        return cluster
    }

    /// Runs `body` with a cluster of `size` members, stopped afterwards whatever happens.
    static func with<T>(size: Int = 1, _ body: (EtcdCluster) async throws -> T) async throws -> T {
        let cluster = try await start(size: size)
        do {
            let result = try await body(cluster)
            await cluster.stop()
            return result
        } catch {
            await cluster.stop()
            throw error
        }
    }

    /// The client socket path of member `index`.
    func clientSocket(_ index: Int) -> String { directory.file("c\(index).sock:1") }

    /// Every member's client endpoint.
    var endpoints: [RegistryEndpoint] { (0..<size).map { .unix(path: clientSocket($0)) } }

    /// A registry location over every member.
    func location(prefix: String) -> RegistryLocation { RegistryLocation(endpoints: endpoints, prefix: prefix) }

    /// Stops member `index` at once (SIGKILL) and waits until it is gone.
    func kill(_ index: Int) async throws {
        try await members[index]?.killGroup()
        members[index] = nil
    }

    /// Starts member `index` again on its data (its killed predecessor left its socket files).
    func restart(_ index: Int) async throws {
        unlink(clientSocket(index))
        unlink(directory.file("p\(index).sock:1"))
        members[index] = try await launch(index)
    }

    /// Stops every member and removes the directory.
    func stop() async {
        for index in members.indices {
            try? await members[index]?.killGroup()
            members[index] = nil
        }
        directory.remove()
    }

    private func launch(_ index: Int) async throws -> ManagedProcess {
        let peers = (0..<size).map { "m\($0)=unix://p\($0).sock:1" }.joined(separator: ",")
        let process = try await ManagedProcess.launch(
            name: "etcd m\(index)", executable: URL(fileURLWithPath: try Etcd.require()),
            arguments: [
                "--name", "m\(index)", "--data-dir", "m\(index).data",
                "--listen-client-urls", "unix://c\(index).sock:1", "--advertise-client-urls", "unix://c\(index).sock:1",
                "--listen-peer-urls", "unix://p\(index).sock:1", "--initial-advertise-peer-urls", "unix://p\(index).sock:1",
                "--initial-cluster", peers, "--initial-cluster-state", "new",
                "--initial-cluster-token", URL(fileURLWithPath: directory.path).lastPathComponent,
                "--heartbeat-interval", "50", "--election-timeout", "500",
            ],
            directory: directory.url)
        try await process.waitForLine(containing: "ready to serve client requests", timeout: .seconds(30))
        return process
    }
}
