// swift-tools-version:6.1
import PackageDescription

/// Every Fedge target opts into the same upcoming features (STYLE.md, principle 11).
let fedgeSwiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
]

/// The fuzz targets unoptimized in every configuration: libFuzzer builds them in debug (Scripts/fuzz.sh), and Swift
/// 6.3.1's optimizer spent more than 30 minutes on the handler targets in `swift build -c release` without finishing.
let fuzzSwiftSettings = fedgeSwiftSettings + [.unsafeFlags(["-Onone"], .when(configuration: .release))]

let grpc: [Target.Dependency] = [
    .product(name: "GRPCCore", package: "grpc-swift-2"),
    .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
    .product(name: "SwiftProtobuf", package: "swift-protobuf"),
]

let package = Package(
    name: "fedge",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "fedge", targets: ["FedgeCLI"]),
        .executable(name: "fedge-client", targets: ["FedgeClientCLI"]),
        .executable(name: "fedge-combiner", targets: ["FedgeCombinerCLI"]),
        .executable(name: "fedge-controller", targets: ["FedgeControllerCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // Vocabulary: IDs, aggregator configuration, contributions, errors. No I/O, no dependencies.
        .target(name: "FedgeCore", swiftSettings: fedgeSwiftSettings),
        // Identities: the private CA and certificates, tokens (JWT, ES256), roles and the one access matrix, kits.
        .target(
            name: "FedgeSecurity",
            dependencies: [
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                "FedgeCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: fedgeSwiftSettings
        ),
        // Tensors, dtypes, safetensors read (mmap) and write (streaming), SHA-256 model ids.
        .target(
            name: "FedgeTensor",
            dependencies: [
                "FedgeCore",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: fedgeSwiftSettings
        ),
        // Built-in trainers (softmax regression, MLP; SGD with FedProx) and datasets (UCI digits, Synthetic(α, β)).
        // Optimised even in debug builds: `swift run fedge demo` trains for real and must not wait on -Onone loops.
        .target(
            name: "FedgeLearning",
            dependencies: ["FedgeCore", "FedgeTensor"],
            exclude: ["DigitsData.LICENSE.md"],
            swiftSettings: fedgeSwiftSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        // SIMD kernels, streaming and robust reducers, partial aggregates, server optimizers.
        .target(
            name: "FedgeAggregation",
            dependencies: ["FedgeCore", "FedgeTensor"],
            swiftSettings: fedgeSwiftSettings
        ),
        // fedge/v1/*.proto and the Swift generated from them by Scripts/generate-protos.sh (committed).
        .target(
            name: "FedgeProto",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // Proto ⇄ Core mapping, chunked transfers, refusals as typed errors, TLS and auth interceptors.
        .target(
            name: "FedgeRPC",
            dependencies: [
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                "FedgeCore", "FedgeProto", "FedgeSecurity",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ] + grpc,
            swiftSettings: fedgeSwiftSettings
        ),
        // The edge runtime: connect out, heartbeat, run tasks through compute packages or built-in trainers.
        .target(
            name: "FedgeEdge",
            dependencies: [
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                "FedgeCore", "FedgeTensor", "FedgeRPC", "FedgeProto", "FedgeLearning",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ] + grpc,
            swiftSettings: fedgeSwiftSettings
        ),
        // The combiner: client registry, liveness, round execution, streaming reduce.
        .target(
            name: "FedgeCombiner",
            dependencies: [
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                "FedgeCore", "FedgeTensor", "FedgeAggregation", "FedgeRPC", "FedgeProto", "FedgeServerKit",
                "FedgeAPIModels",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ] + grpc,
            swiftSettings: fedgeSwiftSettings
        ),
        .executableTarget(
            name: "FedgeClientCLI",
            dependencies: [
                "FedgeEdge", "FedgeRPC", "FedgeCore", "FedgeDaemonOptions", "FedgeSecurity", "FedgeLearning",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Sources/fedge-client",
            swiftSettings: fedgeSwiftSettings
        ),
        .executableTarget(
            name: "FedgeCombinerCLI",
            dependencies: [
                "FedgeCombiner", "FedgeRPC", "FedgeCore", "FedgeAggregation", "FedgeTensor", "FedgeServerKit",
                "FedgeDaemonOptions", "FedgeSecurity",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ] + grpc,
            path: "Sources/fedge-combiner",
            swiftSettings: fedgeSwiftSettings
        ),
        // The daemons' shared command-line flags (TLS, logging).
        .target(
            name: "FedgeDaemonOptions",
            dependencies: [
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                "FedgeRPC",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: fedgeSwiftSettings
        ),
        // The controller's state: GRDB over SQLite (WAL), append-only migrations, the model trail, content-addressed blobs.
        .target(
            name: "FedgeStore",
            dependencies: [
                "FedgeCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: fedgeSwiftSettings
        ),
        // The REST contract: Codable DTOs, paths, the error body. Imports nothing.
        .target(name: "FedgeAPIModels", swiftSettings: fedgeSwiftSettings),
        // A typed async REST client over TCP or the Unix control socket.
        .target(
            name: "FedgeAPIClient",
            dependencies: [
                "FedgeAPIModels",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: fedgeSwiftSettings
        ),
        // Daemon plumbing: FEDGE_HOME, logging, the REST app on TCP and the control socket, services.
        .target(
            name: "FedgeServerKit",
            dependencies: [
                "FedgeAPIModels", "FedgeCore", "FedgeSecurity",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: fedgeSwiftSettings
        ),
        // The controller: sessions, rounds, the reducer, the model trail, the combiner registry, REST and gRPC.
        .target(
            name: "FedgeController",
            dependencies: [
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                "FedgeCore", "FedgeTensor", "FedgeAggregation", "FedgeRPC", "FedgeProto", "FedgeStore",
                "FedgeServerKit", "FedgeSecurity",
                "FedgeAPIModels",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ] + grpc,
            swiftSettings: fedgeSwiftSettings
        ),
        .executableTarget(
            name: "FedgeControllerCLI",
            dependencies: [
                "FedgeController", "FedgeServerKit", "FedgeRPC", "FedgeCore", "FedgeStore", "FedgeDaemonOptions",
                "FedgeSecurity",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ] + grpc,
            path: "Sources/fedge-controller",
            swiftSettings: fedgeSwiftSettings
        ),
        // A whole federation in one process — controller, combiners, clients — for `fedge demo` and the tests.
        .target(
            name: "FedgeDemo",
            dependencies: [
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                "FedgeController", "FedgeCombiner", "FedgeEdge", "FedgeCore", "FedgeRPC", "FedgeServerKit",
                "FedgeLearning",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ] + grpc,
            swiftSettings: fedgeSwiftSettings
        ),
        // ncursesw, for the console's terminal (Debian: libncursesw5-dev / libncurses-dev).
        .systemLibrary(name: "CNcurses", path: "Sources/CNcurses"),
        // The console: state, key handling, views and layout into a screen buffer (testable without a terminal).
        .target(
            name: "FedgeConsole",
            dependencies: ["FedgeAPIModels", "FedgeAPIClient"],
            swiftSettings: fedgeSwiftSettings
        ),
        // The operator CLI, `fedge`.
        .executableTarget(
            name: "FedgeCLI",
            dependencies: [
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                "FedgeCore",
                "FedgeTensor",
                "FedgeAggregation",
                "FedgeAPIModels",
                "FedgeAPIClient",
                "FedgeDemo",
                "FedgeEdge",
                "FedgeLearning",
                "FedgeConsole",
                "FedgeSecurity",
                "CNcurses",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/fedge",
            swiftSettings: fedgeSwiftSettings
        ),
        // The readers of untrusted bytes as fuzz targets (Scripts/fuzz.sh builds `fedge-fuzz` for libFuzzer; built
        // plainly it replays files).
        .target(
            name: "FedgeFuzzing",
            dependencies: [
                "FedgeCore", "FedgeTensor", "FedgeAggregation", "FedgeEdge", "FedgeRPC", "FedgeProto", "FedgeCombiner",
                "FedgeController", "FedgeSecurity",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Fuzz/FedgeFuzzing",
            swiftSettings: fuzzSwiftSettings
        ),
        .executableTarget(
            name: "fedge-fuzz",
            dependencies: ["FedgeFuzzing"],
            path: "Fuzz/fedge-fuzz",
            swiftSettings: fuzzSwiftSettings
        ),

        // Shared test helpers: random models, temporary directories, reference implementations.
        .target(
            name: "FedgeTestSupport",
            dependencies: [
                "FedgeCore", "FedgeTensor", "FedgeEdge", "FedgeSecurity",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Tests/FedgeTestSupport",
            swiftSettings: fedgeSwiftSettings
        ),
        .testTarget(
            name: "FedgeCoreTests",
            dependencies: ["FedgeCore", "FedgeTestSupport"],
            swiftSettings: fedgeSwiftSettings
        ),
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
            name: "FedgeRPCTests",
            dependencies: [
                "FedgeRPC", "FedgeProto", "FedgeTensor", "FedgeTestSupport", "FedgeSecurity",
                .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ] + grpc,
            swiftSettings: fedgeSwiftSettings
        ),
        .testTarget(
            name: "FedgeLearningTests",
            dependencies: ["FedgeLearning", "FedgeTensor", "FedgeTestSupport"],
            swiftSettings: fedgeSwiftSettings
        ),
        .testTarget(
            name: "FedgeEdgeTests",
            dependencies: [
                "FedgeSecurity",
                "FedgeEdge", "FedgeCore", "FedgeTensor", "FedgeRPC", "FedgeProto", "FedgeTestSupport", "FedgeLearning",
                "FedgeFuzzing",
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: fedgeSwiftSettings
        ),
        .testTarget(
            name: "FedgeCombinerTests",
            dependencies: [
                "FedgeSecurity",
                "FedgeCombiner", "FedgeEdge", "FedgeRPC", "FedgeProto", "FedgeAggregation", "FedgeTensor",
                "FedgeTestSupport",
                .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
                .product(name: "Logging", package: "swift-log"),
            ] + grpc,
            swiftSettings: fedgeSwiftSettings
        ),
        .testTarget(
            name: "FedgeServerKitTests",
            dependencies: [
                "FedgeServerKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: fedgeSwiftSettings
        ),
        .testTarget(
            name: "FedgeStoreTests",
            dependencies: [
                "FedgeStore", "FedgeCore", "FedgeTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: fedgeSwiftSettings
        ),
        .testTarget(
            name: "FedgeControllerTests",
            dependencies: [
                "FedgeSecurity",
                "FedgeController", "FedgeCombiner", "FedgeEdge", "FedgeStore", "FedgeRPC", "FedgeAPIModels",
                "FedgeAPIClient", "FedgeDemo",
                "FedgeServerKit", "FedgeAggregation", "FedgeTensor", "FedgeCore", "FedgeTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ] + grpc,
            swiftSettings: fedgeSwiftSettings
        ),
        .testTarget(
            name: "FedgeConsoleTests",
            dependencies: ["FedgeConsole", "FedgeAPIModels"],
            swiftSettings: fedgeSwiftSettings
        ),
        .testTarget(
            name: "FedgeCLITests",
            dependencies: [
                "FedgeSecurity",
                "FedgeTensor", "FedgeTestSupport", "FedgeDemo", "FedgeController", "FedgeEdge", "FedgeAPIModels",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: fedgeSwiftSettings
        ),
    ]
)
