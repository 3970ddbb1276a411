import FleetRegistry
import Testing

@Suite("Registry location")
struct RegistryLocationTests {
    @Test("TCP endpoints, IPv6 and a prefix with slashes")
    func tcp() throws {
        let location = try RegistryLocation(parsing: "etcd://10.0.0.1:2379,[::1]:22379,etcd.local:2379/prod/web/")
        #expect(location.endpoints == [.tcp(host: "10.0.0.1", port: 2379), .tcp(host: "::1", port: 22379), .tcp(host: "etcd.local", port: 2379)])
        #expect(location.prefix == "prod/web")
        #expect(location.routerKey("a") == "prod/web/routers/a")
        #expect(location.routersPrefix == "prod/web/routers/")
        #expect(try RegistryLocation(parsing: location.description) == location)
    }

    @Test("Unix socket endpoints are percent-encoded paths")
    func unix() throws {
        let location = try RegistryLocation(parsing: "etcd+unix://%2Ftmp%2Fa%2Fc0.sock%3A1,%2Ftmp%2Fb.sock/fleet")
        #expect(location.endpoints == [.unix(path: "/tmp/a/c0.sock:1"), .unix(path: "/tmp/b.sock")])
        #expect(try RegistryLocation(parsing: location.description) == location)
    }

    @Test("Bad locations name what is wrong", arguments: [
        ("http://127.0.0.1:2379/fleet", "must start with etcd://"),
        ("etcd://127.0.0.1:2379", "names no key prefix"),
        ("etcd://127.0.0.1:2379/", "prefix is empty"),
        ("etcd://127.0.0.1:2379,/fleet", "is empty"),
        ("etcd://127.0.0.1/fleet", "is not HOST:PORT"),
        ("etcd://127.0.0.1:0/fleet", "no port from 1 to 65535"),
        ("etcd://127.0.0.1:99999/fleet", "no port from 1 to 65535"),
        ("etcd://:2379/fleet", "names no host"),
        ("etcd+unix://relative.sock/fleet", "percent-encoded socket path"),
        ("etcd://h:1/a\u{1}b", "control characters"),
    ])
    func bad(input: String, problem: String) {
        do {
            _ = try RegistryLocation(parsing: input)
            Issue.record("'\(input)' was accepted")
        } catch {
            #expect(error.description.contains(problem), "\(error.description)")
            #expect(error.description.contains(input))
        }
    }
}
