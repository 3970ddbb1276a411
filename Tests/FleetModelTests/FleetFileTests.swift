import Testing
@testable import FleetModel

@Suite struct FleetFileTests {
    @Test func parsesAFullFile() throws {
        let text = """
        interval: 0.5
        token_file: /etc/fleettop/token
        routers:
          - name: edge-1
            stats: 127.0.0.1:9191
            admin: 127.0.0.1:9292
            tags: [edge, eu]
          - name: legacy
            stats: http://127.0.0.1:19191/
            subscription_server: 127.0.0.1:17070
            token_file: /etc/fleettop/legacy
          - stats: "@fast"
        """
        let fleet = try FleetFile.parse(text, file: "fleet.yaml")
        #expect(fleet.interval == 0.5)
        #expect(fleet.tokenFile == "/etc/fleettop/token")
        #expect(fleet.routers.map(\.name) == ["edge-1", "legacy", "@fast"])
        #expect(fleet.routers[0].admin == .tcp(host: "127.0.0.1", port: 9292))
        #expect(fleet.routers[0].tags == ["edge", "eu"])
        #expect(fleet.routers[0].tokenFile == "/etc/fleettop/token")
        #expect(fleet.routers[1].stats == .http(host: "127.0.0.1", port: 19191, path: "/"))
        #expect(fleet.routers[1].subscriptionServer == .tcp(host: "127.0.0.1", port: 17070))
        #expect(fleet.routers[1].tokenFile == "/etc/fleettop/legacy")
        #expect(fleet.routers[2].stats == .abstract(name: "fast"))
    }

    private func failure(_ text: String) -> FleetFileError? {
        do {
            _ = try FleetFile.parse(text, file: "fleet.yaml")
            return nil
        } catch {
            return error
        }
    }

    @Test func unknownKeyNamesLineKeyAndAllowedKeys() throws {
        let error = try #require(failure("""
        routers:
          - name: a
            stats: 127.0.0.1:1
            adminn: 127.0.0.1:2
        """))
        #expect(error.line == 4)
        #expect(error.key == "routers[0].adminn")
        #expect(error.problem == .unknownKey(allowed: FleetFile.routerKeys))
        #expect(error.description.hasPrefix("fleet.yaml:4:"))
        #expect(error.description.contains("subscription_server"))
    }

    @Test func unknownTopLevelKey() throws {
        let error = try #require(failure("intervall: 1\nrouters:\n  - stats: 127.0.0.1:1\n"))
        #expect(error.line == 1)
        #expect(error.key == "intervall")
    }

    @Test func missingStatsPointsAtTheRouter() throws {
        let error = try #require(failure("""
        routers:
          - name: a
            stats: 127.0.0.1:1
          - name: b
            admin: 127.0.0.1:2
        """))
        #expect(error.line == 4)
        #expect(error.key == "routers[1].stats")
        #expect(error.problem == .missingKey)
    }

    @Test func badAddressCarriesTheAddressError() throws {
        let error = try #require(failure("routers:\n  - name: a\n    stats: 127.0.0.1:99999\n"))
        #expect(error.line == 3)
        #expect(error.key == "routers[0].stats")
        #expect(error.problem == .badAddress(StatsAddressError(input: "127.0.0.1:99999", problem: .badPort("99999"))))
        #expect(error.description.contains("99999"))
    }

    @Test func duplicateRouterNameNamesBothLines() throws {
        let error = try #require(failure("""
        routers:
          - name: a
            stats: 127.0.0.1:1
          - name: a
            stats: 127.0.0.1:2
        """))
        #expect(error.line == 4)
        #expect(error.problem == .duplicateName("a", firstLine: 2))
    }

    @Test func derivedNamesCollideToo() throws {
        let error = try #require(failure("routers:\n  - stats: 127.0.0.1:1\n  - stats: 127.0.0.1:1\n"))
        #expect(error.problem == .duplicateName("127.0.0.1:1", firstLine: 2))
    }

    @Test func duplicateKeyInOneRouter() throws {
        let error = try #require(failure("routers:\n  - stats: 127.0.0.1:1\n    stats: 127.0.0.1:2\n"))
        #expect(error.problem == .duplicateKey)
        #expect(error.key == "stats")
        #expect(error.line == 2)
    }

    @Test func yamlSyntaxErrorHasALine() throws {
        let error = try #require(failure("routers:\n  - stats: [127.0.0.1:1\n  - name: b\n"))
        guard case .syntax = error.problem else {
            Issue.record("expected a syntax error, got \(error)")
            return
        }
        #expect(error.line != nil)
    }

    @Test(arguments: [
        ("routers: []\n", "routers", 1),
        ("routers: 127.0.0.1:1\n", "routers", 1),
        ("interval: fast\nrouters:\n  - stats: 127.0.0.1:1\n", "interval", 1),
        ("interval: 0\nrouters:\n  - stats: 127.0.0.1:1\n", "interval", 1),
        ("routers:\n  - stats: 127.0.0.1:1\n    tags: edge\n", "routers[0].tags", 3),
        ("routers:\n  - stats: [127.0.0.1:1]\n", "routers[0].stats", 2),
        ("routers:\n  - 127.0.0.1:1\n", "routers[0]", 2),
        ("routers:\n  - stats: 127.0.0.1:1\n    subscription_server: http://x:1/\n", "routers[0].subscription_server", 3),
    ])
    func wrongShapesAreReportedWithKeyAndLine(text: String, key: String, line: Int) throws {
        let error = try #require(failure(text))
        #expect(error.key == key)
        #expect(error.line == line)
    }

    @Test func emptyFileAsksForRouters() throws {
        let error = try #require(failure(""))
        #expect(error.key == "routers")
        #expect(error.problem == .missingKey)
    }

    @Test func topLevelListIsNotAFleet() throws {
        let error = try #require(failure("- stats: 127.0.0.1:1\n"))
        #expect(error.line == 1)
        guard case .expected = error.problem else {
            Issue.record("expected a shape error, got \(error)")
            return
        }
    }
}
