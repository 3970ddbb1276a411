// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Fleettop",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "RouterWire", targets: ["RouterWire"]),
        .library(name: "RouterCore", targets: ["RouterCore"]),
        .library(name: "RouterRuntime", targets: ["RouterRuntime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
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
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "RouterRuntimeTests",
            dependencies: [
                "RouterRuntime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
