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

        // MARK: Benchmarks
        .executableTarget(
            name: "WireBench",
            dependencies: ["RouterWire", .product(name: "NIOCore", package: "swift-nio")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
