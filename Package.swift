// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Fleettop",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "RouterWire", targets: ["RouterWire"]),
        .library(name: "RouterCore", targets: ["RouterCore"]),
        .library(name: "FleetModel", targets: ["FleetModel"]),
        .library(name: "TUICore", targets: ["TUICore"]),
        .library(name: "TUICurses", targets: ["TUICurses"]),
        .library(name: "RouterConfig", targets: ["RouterConfig"]),
        .library(name: "RouterRuntime", targets: ["RouterRuntime"]),
        .library(name: "Dashboard", targets: ["Dashboard"]),
        .library(name: "FleetClient", targets: ["FleetClient"]),
        .executable(name: "fleettop", targets: ["fleettop"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // RSA PKCS#1 v1.5 verification of signed subscriptions (`_CryptoExtras`).
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        // Already in the graph through swift-crypto: reads RSA keys' modulus and exponent.
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        // TLS for the HTTPS and SSL routers (BoringSSL).
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // Counters, gauges and histograms (`Metrics`), rendered for `/metrics` by swift-prometheus.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // MARK: Wire codecs
        .target(
            name: "RouterWire",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            // The HTTP head parser and the uwsgi packet writer run per request: dynamic
            // exclusivity checks were ~5 % of the router's instructions per request, as in
            // RouterRuntime (below).
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]
        ),
        .testTarget(
            name: "RouterWireTests",
            dependencies: [
                "RouterWire",
                "ThreadTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            resources: [.copy("Samples")]
        ),

        // MARK: Router core
        .target(
            name: "RouterCore",
            dependencies: ["RouterWire"],
            // Routing (RouterState, the session machine) runs per request: see RouterWire.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]
        ),
        // Test doubles (a manual clock) for tests and benchmarks only.
        .target(name: "RouterCoreTesting", dependencies: ["RouterCore"]),
        .testTarget(name: "RouterCoreTests", dependencies: ["RouterCore", "RouterCoreTesting", "RouterWire", "ThreadTesting"]),

        // MARK: Fleet model
        .target(
            name: "FleetModel",
            dependencies: ["RouterWire", .product(name: "Yams", package: "Yams")]
        ),
        // Test doubles (fake fleet control, canned fleets, a manual clock) for tests, benchmarks
        // and the demo only.
        .target(name: "FleetModelTesting", dependencies: ["FleetModel", "RouterWire"]),
        .testTarget(name: "FleetModelTests", dependencies: ["FleetModel", "FleetModelTesting", "RouterWire", "ThreadTesting"]),
        // MARK: Terminal UI
        .target(name: "TUICore"),
        // No `pkgConfig: "ncursesw"`: its cflags (-D_DEFAULT_SOURCE -D_XOPEN_SOURCE=600) are flags
        // SwiftPM prohibits and warns about on every build; the module map links ncursesw and
        // tinfo itself and the shim header sets the wide-character defines.
        .systemLibrary(
            name: "CNcursesw",
            providers: [.apt(["libncursesw5-dev"])]
        ),
        .target(name: "TUICurses", dependencies: ["TUICore", "CNcursesw"]),
        // An in-memory terminal and scripted input for tests and benchmarks only.
        .target(name: "TUICoreTesting", dependencies: ["TUICore"]),
        .testTarget(name: "TUICoreTests", dependencies: ["TUICore", "TUICoreTesting"]),
        .testTarget(name: "TUICursesTests", dependencies: ["TUICurses", "TUICore", "CNcursesw"]),

        // MARK: Sockets
        // The POSIX pieces NIO cannot express (exact-length abstract unix addresses), shared by
        // the router runtime and the fleet client.
        .target(name: "SocketSupport"),
        // epoll, eventfd and accept4 for the lean data plane (Glibc's module lacks them).
        .target(name: "CLeanSockets"),
        // io_uring for the lean data plane: calls into liburing (Debian `liburing-dev`), whose
        // helpers are inline C that Swift cannot call.
        .target(name: "CLeanRing", linkerSettings: [.linkedLibrary("uring")]),
        // zlib, for the HTTP router's --http-auto-gzip.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),

        // MARK: Test processes
        // glibc's GNU-only spawn and pipe calls (close-on-exec pipes, chdir and closefrom file
        // actions), which Swift's Glibc module does not expose.
        .target(name: "CSpawn"),
        // Threads of their own for tests that compute or block, off Swift's cooperative pool;
        // tests only.
        .target(name: "ThreadTesting"),
        // A posix_spawn launcher for tests that start processes (close-on-exec pipes, a process
        // group of its own, a cleared signal mask) and a run-to-completion helper; tests only.
        .target(name: "ProcessTesting", dependencies: ["CSpawn", "ThreadTesting"]),

        // MARK: Fleet registry
        // etcd v3 through its JSON gateway: router registration and fleet membership.
        .target(
            name: "FleetRegistry",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "FleetRegistryTests",
            dependencies: [
                "FleetRegistry",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),

        // MARK: Router configuration
        // The option tables, `RouterSpec`, validation and `--help`: parsing needs no event loop.
        .target(
            name: "RouterConfig",
            dependencies: ["RouterWire", "RouterCore", .product(name: "Yams", package: "Yams")]
        ),
        .testTarget(name: "RouterConfigTests", dependencies: ["RouterConfig", "RouterCore", "RouterWire"]),

        // MARK: Router runtime
        .target(
            name: "RouterRuntime",
            dependencies: [
                "RouterConfig",
                "RouterWire",
                "RouterCore",
                "SocketSupport",
                "CLeanSockets",
                "CLeanRing",
                "CZlib",
                "FleetRegistry",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: [
                // The data plane's per-request cost is dominated by runtime overhead; dynamic
                // exclusivity checks are ~15 % of its instructions.
                .unsafeFlags(["-enforce-exclusivity=unchecked"]),
            ]
        ),
        // The `.everyTransport` test trait: router tests run once per data-plane transport.
        .target(name: "DataPlaneTesting", dependencies: ["CLeanRing"]),
        .testTarget(
            name: "RouterRuntimeTests",
            dependencies: [
                "RouterCoreTesting",
                "DataPlaneTesting",
                "ProcessTesting",
                "ThreadTesting",
                "RouterRuntime",
                "CZlib",
                "FleetRegistry",
                "RouterConfig",
                "SocketSupport",
                "RouterCore",
                "RouterWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),

        // MARK: Dashboard
        .target(
            name: "Dashboard",
            dependencies: ["TUICore", "FleetModel", "RouterWire", .product(name: "Yams", package: "Yams")]
        ),
        .testTarget(
            name: "DashboardTests",
            dependencies: ["FleetModelTesting", "TUICoreTesting", "ThreadTesting", "Dashboard", "TUICore", "FleetModel", "RouterWire"]
        ),

        // MARK: Fleet client
        .target(
            name: "FleetClient",
            dependencies: [
                "FleetModel",
                "SocketSupport",
                // epoll and timerfd for the raw-socket polls (`RawExchangeLoop`).
                "CLeanSockets",
                "RouterWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // The client side of fleetrouter's stats watch (`GET /v1/watch`, chunked).
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "FleetClientTests",
            dependencies: [
                "FleetModelTesting",
                "RouterCoreTesting",
                "FleetClient",
                "SocketSupport",
                "FleetModel",
                "RouterWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),

        // MARK: Executables
        .executableTarget(
            name: "fleetrouter",
            dependencies: ["RouterRuntime", .product(name: "Logging", package: "swift-log")]
        ),

        // MARK: Interop with real uWSGI
        .testTarget(
            name: "InteropTests",
            dependencies: [
                // SwiftPM builds the binaries these tests launch.
                "fleetrouter",
                "fleettop",
                "DataPlaneTesting",
                "FleetRegistry",
                "ProcessTesting",
                "ThreadTesting",
                "RouterCoreTesting",
                "RouterWire",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            resources: [.copy("Resources/app.py")]
        ),

        // MARK: Fleettop app
        .target(
            name: "FleetApp",
            dependencies: [
                "Dashboard",
                "FleetRegistry",
                "FleetClient",
                "RouterConfig",
                "RouterRuntime",
                "TUICore",
                "TUICurses",
                "FleetModel",
                "RouterWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "fleettop",
            dependencies: ["FleetApp", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(
            name: "FleetAppTests",
            dependencies: [
                "FleetModelTesting", "TUICoreTesting", "RouterCoreTesting", "ThreadTesting", "FleetApp", "FleetClient", "FleetRegistry", "Dashboard", "TUICore", "FleetModel", "RouterWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),

        // MARK: End to end
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "TUICoreTesting",
                "RouterCoreTesting",
                // SwiftPM builds the binary the tmux test drives.
                "fleettop",
                "FleetApp",
                "FleetClient",
                "RouterConfig",
                "RouterRuntime",
                "Dashboard",
                "TUICore",
                "FleetModel",
                "RouterWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Repository rules
        // Reads the checkout itself (comments, Package.swift, imports); links nothing.
        .testTarget(name: "RepositoryTests", dependencies: ["ThreadTesting"]),

        // MARK: Benchmarks
        .executableTarget(
            name: "WireBench",
            dependencies: ["RouterWire", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .executableTarget(
            name: "DashboardBench",
            dependencies: ["Dashboard", "TUICore", "FleetModel", "RouterWire"]
        ),

        // MARK: Polling benchmark
        .executableTarget(
            name: "PollBench",
            dependencies: [
                "FleetApp",
                "FleetClient",
                "FleetModel",
                "RouterRuntime",
                "RouterWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Every target sees only the members of the modules it imports itself.
for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + [.enableUpcomingFeature("MemberImportVisibility")]
}
