// swift-tools-version:6.1
import PackageDescription

/// Every Fedge target opts into the same upcoming features (STYLE.md, principle 11).
let fedgeSwiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
]

let package = Package(
    name: "fedge",
    products: [
        .executable(name: "fedge", targets: ["FedgeCLI"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
    ],
    targets: [
        // Vocabulary: IDs, aggregator configuration, contributions, errors. No I/O, no dependencies.
        .target(name: "FedgeCore", swiftSettings: fedgeSwiftSettings),
        // Tensors, dtypes, safetensors read (mmap) and write (streaming), SHA-256 model ids.
        .target(
            name: "FedgeTensor",
            dependencies: [
                "FedgeCore",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: fedgeSwiftSettings
        ),
        // SIMD kernels, streaming and robust reducers, partial aggregates, server optimizers.
        .target(
            name: "FedgeAggregation",
            dependencies: ["FedgeCore", "FedgeTensor"],
            swiftSettings: fedgeSwiftSettings
        ),
        // The operator CLI, `fedge`.
        .executableTarget(
            name: "FedgeCLI",
            dependencies: [
                "FedgeCore",
                "FedgeTensor",
                "FedgeAggregation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/fedge",
            swiftSettings: fedgeSwiftSettings
        ),

        // Shared test helpers: random models, temporary directories, reference implementations.
        .target(
            name: "FedgeTestSupport",
            dependencies: ["FedgeCore", "FedgeTensor"],
            path: "Tests/FedgeTestSupport",
            swiftSettings: fedgeSwiftSettings
        ),
        .testTarget(name: "FedgeCoreTests", dependencies: ["FedgeCore"], swiftSettings: fedgeSwiftSettings),
        .testTarget(
            name: "FedgeTensorTests",
            dependencies: ["FedgeTensor", "FedgeTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: fedgeSwiftSettings
        ),
        .testTarget(
            name: "FedgeAggregationTests",
            dependencies: ["FedgeAggregation", "FedgeTensor", "FedgeTestSupport"],
            swiftSettings: fedgeSwiftSettings
        ),
        .testTarget(
            name: "FedgeCLITests",
            dependencies: ["FedgeTensor", "FedgeTestSupport"],
            swiftSettings: fedgeSwiftSettings
        ),
    ]
)
