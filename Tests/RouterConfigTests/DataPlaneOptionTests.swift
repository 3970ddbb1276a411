import Testing
@testable import RouterConfig

@Suite struct DataPlaneOptionTests {
    @Test func defaultIsAuto() throws {
        let (configuration, _) = try parse(["--http", ":8080", "--http-to", "127.0.0.1:3031"])
        #expect(configuration.dataPlane == .auto)
    }

    @Test(arguments: DataPlaneChoice.allCases)
    func eachChoiceParses(_ choice: DataPlaneChoice) throws {
        let (configuration, _) = try parse(["--data-plane", choice.rawValue, "--http", ":8080", "--http-to", "127.0.0.1:3031"])
        #expect(configuration.dataPlane == choice)
    }

    @Test func anUnknownTransportIsRefusedWithTheChoices() {
        let error = parseError(["--data-plane", "uring2", "--http", ":8080", "--http-to", "127.0.0.1:3031"])
        #expect(error.map { "\($0)".contains("auto, uring, epoll or nio") } == true)
    }

    @Test func httpProcessesIsTheWorkersAlias() throws {
        let (configuration, _) = try parse(["--http", ":8080", "--http-to", "127.0.0.1:3031", "--http-processes", "2"])
        #expect(configuration.router(.http)?.workers == 2)
    }

    @Test func theEnvironmentOnlyNamesWhatAutoMeans() {
        #expect(DataPlaneChoice.auto.resolved(environment: [:]) == .auto)
        #expect(DataPlaneChoice.auto.resolved(environment: ["FLEETROUTER_DATA_PLANE": "nio"]) == .nio)
        #expect(DataPlaneChoice.auto.resolved(environment: ["FLEETROUTER_DATA_PLANE": "epoll"]) == .epoll)
        #expect(DataPlaneChoice.auto.resolved(environment: ["FLEETROUTER_DATA_PLANE": "uring"]) == .uring)
        #expect(DataPlaneChoice.auto.resolved(environment: ["FLEETROUTER_DATA_PLANE": "bogus"]) == .auto)
        #expect(DataPlaneChoice.nio.resolved(environment: ["FLEETROUTER_DATA_PLANE": "epoll"]) == .nio)
    }
}
