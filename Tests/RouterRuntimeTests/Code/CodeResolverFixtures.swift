import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ProcessTesting
import RouterConfig
import RouterCore
import RouterCoreTesting
@testable import RouterRuntime

/// The C resolver the shared-object tests load, built at test time with `cc -shared -fPIC`.
/// Keys (the Host header) choose what it does:
/// - `p<PORT>.…`: the node `127.0.0.1:<PORT>`, not cached; `cached-<PORT>.…`: the same, TTL 60 s;
/// - `slow-<FD>-<RELEASE>.…`: writes one byte to file descriptor FD (the test's pipe: "the call
///   began"), then blocks its thread in a read of RELEASE until the test writes to or closes that
///   pipe, and answers no node;
/// - `none.…`: no node; `fail.…`: returns -2; `garbage.…`: an address that does not parse;
///   `long.…`: claims more bytes than `out_cap`.
enum CResolverFixture {
    static let source = #"""
    #include <stdio.h>
    #include <string.h>
    #include <unistd.h>

    int route(const char *key, size_t key_len, char *out, size_t out_cap, unsigned int *ttl_seconds) {
        char k[256];
        int n, m;
        if (key_len >= sizeof k) return -1;
        memcpy(k, key, key_len);
        k[key_len] = 0;
        if (sscanf(k, "slow-%d-%d.", &n, &m) == 2) {
            char released;
            if (write(n, "s", 1) != 1) return -3;
            if (read(m, &released, 1) < 0) return -3;
            return 0;
        }
        if (strncmp(k, "fail.", 5) == 0) return -2;
        if (strncmp(k, "garbage.", 8) == 0) { memcpy(out, "not an address:x", 16); return 16; }
        if (strncmp(k, "long.", 5) == 0) return (int)out_cap + 1;
        if (sscanf(k, "cached-%d.", &n) == 1) { *ttl_seconds = 60; return snprintf(out, out_cap, "127.0.0.1:%d", n); }
        if (sscanf(k, "p%d.", &n) == 1) return snprintf(out, out_cap, "127.0.0.1:%d", n);
        return 0;
    }
    """#

    /// Compiles the resolver into `directory/libroute.so` and returns its path.
    static func build(in directory: String) throws -> String {
        let sourcePath = "\(directory)/route.c"
        let library = "\(directory)/libroute.so"
        try source.write(toFile: sourcePath, atomically: true, encoding: .utf8)
        let compiled = try SpawnedProcess.run("/usr/bin/cc", ["-shared", "-fPIC", "-O1", "-o", library, sourcePath], timeout: .seconds(60))
        guard compiled.termination == .exited(0) else {
            throw TestTimeout(what: "cc -shared to build \(library) (\(compiled.termination)): \(compiled.errors)")
        }
        return library
    }
}

/// Starts a fleetrouter with one router from `arguments` (plus admin API on port 0, a token
/// file in `directory`) and the in-process `resolvers`.
func startCodeRouter(
    directory: String, arguments: [String], resolvers: [String: any CodeResolver] = [:], logger: Logger = quietLogger
) async throws -> FleetRouterHarness {
    try (FleetRouterHarness.token + "\n").write(toFile: "\(directory)/token", atomically: true, encoding: .utf8)
    chmod("\(directory)/token", 0o600)
    let all = arguments + ["--admin", "127.0.0.1:0", "--admin-token-file", "\(directory)/token"]
    let (configuration, _) = try RouterConfiguration.parse(arguments: all, fileReader: FleetRouterCommand.readFile)
    let lines = NIOLockedValueBox<[String]>([])
    let process = try await FleetRouterProcess.start(
        configuration: configuration.onTransportUnderTest, logger: logger, shutdownGrace: .seconds(2), handleSignals: false,
        announce: { line in lines.withLockedValue { $0.append(line) } }, codeResolvers: resolvers, cancellationBackstop: Slowdown.scaled(.seconds(10)))
    return FleetRouterHarness(process: process, directory: directory, announcements: lines)
}

/// An in-process resolver, as a package depending on RouterRuntime would write one: keys
/// `p<PORT>.…` go to `127.0.0.1:<PORT>`, `throws.…` throw, `garbage.…` answer an address that
/// does not parse, anything else has no node. It counts its calls.
struct PortResolver: CodeResolver {
    struct Failure: Error {}
    let calls = NIOLockedValueBox(0)

    func resolve(key: [UInt8]) async throws -> CodeRoute {
        calls.withLockedValue { $0 += 1 }
        let text = String(decoding: key, as: UTF8.self)
        if text.hasPrefix("throws.") { throw Failure() }
        if text.hasPrefix("garbage.") { return CodeRoute(node: NodeAddress(address: "127.0.0.1:99999")) }
        guard text.hasPrefix("p"), let dot = text.firstIndex(of: "."), let port = Int(text[text.index(after: text.startIndex)..<dot]) else {
            return CodeRoute(node: nil)
        }
        return CodeRoute(node: NodeAddress(address: "127.0.0.1:\(port)"), ttl: text.contains("cached") ? .seconds(60) : .zero)
    }
}
