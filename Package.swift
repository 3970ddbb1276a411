// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Fleettop",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "RouterWire", targets: ["RouterWire"]),
        .library(name: "RouterCore", targets: ["RouterCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        // MARK: Wire codecs
        .target(
            name: "RouterWire",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "RouterWireTests",
            dependencies: [
                "RouterWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            resources: [.copy("Samples")]
        ),

        // MARK: Router core
        .target(name: "RouterCore", dependencies: ["RouterWire"]),
        .testTarget(name: "RouterCoreTests", dependencies: ["RouterCore", "RouterWire"]),

        // MARK: Router runtime
        .target(
            name: "RouterRuntime",
            dependencies: [
                "RouterWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: [
                // The data plane's per-request cost is dominated by runtime overhead; dynamic
                // exclusivity checks are ~15 % of its instructions (performance-notes.md).
                .unsafeFlags(["-enforce-exclusivity=unchecked"]),
            ]
        ),
        .testTarget(
            name: "RouterRuntimeTests",
            dependencies: [
                "RouterRuntime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Benchmarks
        .executableTarget(
            name: "RouterBench",
            dependencies: [
                "RouterRuntime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
