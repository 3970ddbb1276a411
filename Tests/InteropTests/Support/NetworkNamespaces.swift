import Foundation
import ProcessTesting
import Testing

/// The network namespaces one tuntap test creates (`ip netns add`), each with loopback up and
/// IPv6 off (a fresh TUN device would otherwise send router solicitations first), named
/// uniquely per test and process. `run` kills the processes started in them and deletes them
/// on every exit path.
final class NetworkNamespaces: @unchecked Sendable {
    /// `ip` from iproute2.
    static let ip: String? = ["/usr/sbin/ip", "/usr/bin/ip", "/sbin/ip", "/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) }
    /// `ping` from iputils-ping.
    static let ping: String? = ["/usr/bin/ping", "/bin/ping", "/usr/sbin/ping"].first { FileManager.default.isExecutableFile(atPath: $0) }
    private static let counter = WatchedState(0)

    /// Why this machine cannot run the tuntap tests, or nil when it can: proved by creating
    /// and removing a namespace and a TUN device in it, as root.
    static let missing: String? = {
        guard getuid() == 0 else { return "the tuntap tests need root (uid \(getuid()))" }
        guard ip != nil else { return "no ip command (apt-get install iproute2)" }
        guard ping != nil else { return "no ping command (apt-get install iputils-ping)" }
        guard FileManager.default.fileExists(atPath: "/dev/net/tun") else { return "no /dev/net/tun" }
        let name = "ftcheck\(getpid())"
        defer { _ = try? shell(["netns", "del", name]) }
        do {
            try shell(["netns", "add", name])
            try shell(["netns", "exec", name, ip!, "tuntap", "add", "dev", "ftcheck0", "mode", "tun"])
        } catch {
            return "network namespaces or TUN devices are refused here: \(error)"
        }
        return nil
    }()

    /// Whether the tuntap tests run: always in CI (where a missing capability fails them).
    static let enabled = Uwsgi.mustRun || missing == nil

    /// Fails naming what is missing.
    static func requireCapability() throws {
        if let missing { throw InteropError("tuntap tests cannot run (CI=\(Uwsgi.mustRun)): \(missing)") }
    }

    /// Runs `ip ARGUMENTS` and returns its output; throws with the output on a non-zero exit.
    @discardableResult
    static func shell(_ arguments: [String], executable: String? = nil) throws -> String {
        let program = executable ?? ip ?? "/usr/sbin/ip"
        let completion: SpawnedProcess.Completion
        do {
            completion = try SpawnedProcess.run(program, arguments, output: .combined, timeout: .seconds(30))
        } catch {
            throw InteropError("ip \(arguments.joined(separator: " ")): \(error)")
        }
        let output = completion.output
        guard completion.termination == .exited(0) else {
            throw InteropError("ip \(arguments.joined(separator: " ")) ended with \(completion.termination): \(output)")
        }
        return output
    }

    /// Role → namespace name.
    let names: [String: String]
    private var processes: [ManagedProcess] = []

    private init(roles: [String]) throws {
        let serial = Self.counter.update { $0 += 1; return $0 }
        var names: [String: String] = [:]
        for role in roles { names[role] = "ftt\(getpid())x\(serial)\(role)" }
        self.names = names
        var created: [String] = []
        do {
            for role in roles {
                let name = names[role]!
                try Self.shell(["netns", "add", name])
                created.append(name)
                try Self.shell(["netns", "exec", name, Self.ip!, "link", "set", "lo", "up"])
                try Self.shell(["netns", "exec", name, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"])
            }
        } catch {
            for name in created { _ = try? Self.shell(["netns", "del", name]) }
            throw error
        }
    }

    /// Creates the namespaces, runs `body`, then stops every process and deletes them.
    static func run<T>(_ roles: [String], _ body: (NetworkNamespaces) async throws -> T) async throws -> T {
        try requireCapability()
        let spaces = try NetworkNamespaces(roles: roles)
        let result: Result<T, any Error>
        do {
            result = .success(try await body(spaces))
        } catch {
            result = .failure(error)
        }
        let logs = spaces.processes.map { "--- \($0.name)\n\($0.logTail)" }.joined(separator: "\n")
        for process in spaces.processes { _ = await process.stop(with: SIGINT, grace: .seconds(5)) }
        for name in spaces.names.values { _ = try? Self.shell(["netns", "del", name]) }
        switch result {
        case .success(let value): return value
        case .failure(let error): throw InteropError("\(error)\n\(logs)")
        }
    }

    /// Runs a command in `role`'s namespace and returns its output (throws on failure).
    @discardableResult
    func exec(_ role: String, _ command: [String]) throws -> String {
        try Self.shell(["netns", "exec", names[role]!] + command)
    }

    /// Runs a command in `role`'s namespace; true when it exits 0.
    func succeeds(_ role: String, _ command: [String]) -> Bool {
        (try? exec(role, command)) != nil
    }

    /// Starts a long-running process in `role`'s namespace; it is stopped by `run`.
    func launch(_ role: String, name: String, _ command: [String], in directory: TemporaryDirectory) async throws -> ManagedProcess {
        let process = try await ManagedProcess.launch(
            name: name, executable: URL(fileURLWithPath: Self.ip!), arguments: ["netns", "exec", names[role]!] + command,
            directory: directory.url)
        processes.append(process)
        return process
    }

    /// Starts fleetrouter in `role`'s namespace and waits for `fleetrouter: ready`.
    func fleetrouter(_ role: String, _ arguments: [String], in directory: TemporaryDirectory) async throws -> ManagedProcess {
        let process = try await launch(role, name: "fleetrouter-\(role)", [try FleetrouterBinary.require().path] + arguments, in: directory)
        try await process.waitForLine(containing: "fleetrouter: ready")
        return process
    }

    /// Gives `device` in `role`'s namespace `address` (CIDR) and brings it up, once the device
    /// exists (a process creates it; bounded wait).
    func configure(_ role: String, device: String, address: String, forwarding: Bool = false) async throws {
        var attempts = 0
        while !succeeds(role, [Self.ip!, "link", "show", device]) {
            attempts += 1
            guard attempts < 100 else { throw InteropError("device \(device) never appeared in \(role)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        try exec(role, [Self.ip!, "addr", "add", address, "dev", device])
        try exec(role, [Self.ip!, "link", "set", device, "up"])
        if forwarding {
            // No ICMP redirects: a peer must receive only what other peers send it.
            try exec(role, ["sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv4.conf.all.send_redirects=0", "net.ipv4.conf.\(device).send_redirects=0"])
        } else {
            // A peer reaches every other network through the router.
            try exec(role, [Self.ip!, "route", "add", "default", "dev", device])
        }
    }

    /// Pings `address` from `role` until one answer comes back, at most `attempts` times.
    func pingUntilAnswered(_ role: String, _ address: String, attempts: Int = 10) -> Bool {
        (0..<attempts).contains { _ in succeeds(role, [Self.ping!, "-c", "1", "-W", "1", address]) }
    }
}
