// swift-tools-version: 6.2
// voiced — a headless voice appliance for Raspberry Pi and other Linux boards.
//
// Layering (see docs/architecture.md):
//   VoiceDSP, VoiceCore            pure: no I/O, no Foundation, no C
//   VoiceProtocol, VoiceConfig     FoundationEssentials only (JSON / YAML models; no ICU, see BENCHMARKS.md)
//   VoiceALSA, VoiceGPIO,
//   VoiceSystemd                   edges over C libraries
//   VoiceRealtime, VoiceSimulator,
//   VoiceControlServer             edges over SwiftNIO
//   VoiceDaemon                    wiring, testable
//   voiced, voicectl, voiced-sim   thin executables
//
// Dependencies, and why each is here:
//   swift-nio            control socket server, simulator server, the WebSocket client's transport
//   swift-nio-ssl        wss:// to the xAI realtime API (and the simulator's optional TLS)
//   swift-websocket      WSClient: masking, ping/pong, fragments, close codes — the leanest complete client
//   swift-http-types     HTTPFields for WSClient's extra headers (Authorization)
//   swift-service-lifecycle  every long-running part is a Service; SIGTERM → graceful shutdown
//   swift-log            logging API
//   swift-argument-parser  voiced / voicectl / voiced-sim command lines, completions, man pages
//   swift-numerics       sin/exp/log for the pure DSP module without Foundation or libc
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let nio: [Target.Dependency] = [
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
]
let lifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")

var targets: [Target] = [
    // MARK: - C libraries (only edge modules import these)
    .systemLibrary(name: "CALSA", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
    .systemLibrary(name: "CGPIOD", pkgConfig: "libgpiod", providers: [.apt(["libgpiod-dev"])]),
    .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
    // Small C shims for what Swift cannot express (variadic error handler, libgpiod v1/v2 split).
    .target(name: "CVoiceALSAShim", dependencies: ["CALSA"]),
    .target(name: "CVoiceGPIOShim", dependencies: ["CGPIOD"]),

    // MARK: - Pure core
    .target(
        name: "VoiceDSP",
        dependencies: [.product(name: "RealModule", package: "swift-numerics")],
        swiftSettings: swiftSettings
    ),
    .target(name: "VoiceCore", dependencies: ["VoiceDSP"], swiftSettings: swiftSettings),

    // MARK: - Models (FoundationEssentials only: full Foundation would link ICU into voiced)
    .target(name: "VoiceProtocol", dependencies: ["VoiceCore"], swiftSettings: swiftSettings),
    .target(
        name: "VoiceConfig",
        dependencies: ["VoiceCore"],
        swiftSettings: swiftSettings
    ),
    .target(name: "VoiceControl", dependencies: ["VoiceCore"], swiftSettings: swiftSettings),
    .target(name: "VoiceListening", dependencies: ["VoiceDSP", "VoiceCore"], swiftSettings: swiftSettings),

    // MARK: - Edges
    .target(
        name: "VoiceALSA",
        dependencies: ["CALSA", "CVoiceALSAShim", "VoiceDSP", "VoiceCore"],
        swiftSettings: swiftSettings
    ),
    .target(
        name: "VoiceGPIO",
        dependencies: ["CGPIOD", "CVoiceGPIOShim", "VoiceCore"],
        swiftSettings: swiftSettings
    ),
    .target(name: "VoiceSystemd", dependencies: ["CSystemd", "VoiceCore"], swiftSettings: swiftSettings),
    .target(
        name: "VoiceRealtime",
        dependencies: [
            "VoiceProtocol", "VoiceCore", "VoiceDSP", logging, lifecycle,
            .product(name: "WSClient", package: "swift-websocket"),
            // WSCore's WebSocketHandler (SPI) under a channel of our own that keeps the HTTP status and body
            // of a refused upgrade (401 vs 503), which WSClient reduces to "upgrade failed".
            .product(name: "WSCore", package: "swift-websocket"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ] + nio,
        swiftSettings: swiftSettings
    ),
    .target(
        name: "VoiceSimulator",
        dependencies: [
            "VoiceProtocol", "VoiceDSP", logging,
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ] + nio,
        swiftSettings: swiftSettings
    ),
    .target(
        name: "VoiceControlServer",
        dependencies: ["VoiceControl", "VoiceCore", logging, lifecycle] + nio,
        swiftSettings: swiftSettings
    ),

    .target(
        name: "VoiceTools",
        dependencies: [
            "VoiceCore", "VoiceProtocol", logging,
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ] + nio,
        swiftSettings: swiftSettings
    ),

    // MARK: - Wiring
    .target(
        name: "VoiceDaemon",
        dependencies: [
            "VoiceCore", "VoiceDSP", "VoiceConfig", "VoiceProtocol", "VoiceALSA", "VoiceGPIO", "VoiceSystemd",
            "VoiceRealtime", "VoiceControl", "VoiceControlServer", "VoiceListening", "VoiceTools", logging, lifecycle,
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ],
        swiftSettings: swiftSettings
    ),
    .target(
        name: "VoiceTestSupport",
        dependencies: ["VoiceCore", "VoiceDSP", "VoiceControl", logging],
        swiftSettings: swiftSettings
    ),
    // Kept apart from VoiceTestSupport so test targets that do not need libsystemd (VoiceGPIOTests, which CI
    // also links against a libgpiod v2 built under a temporary prefix) do not get its link flags.
    .target(
        name: "VoiceSystemdTestSupport",
        dependencies: ["VoiceSystemd"],
        swiftSettings: swiftSettings
    ),

    // MARK: - Executables (thin)
    .executableTarget(
        name: "voiced",
        dependencies: ["VoiceDaemon", argumentParser, logging, lifecycle],
        swiftSettings: swiftSettings,
        // --static-swift-stdlib links with -export-dynamic: every symbol of our modules and NIO went into
        // the dynamic symbol table (27k symbols, 2.5 MB the loader reads at start) and stayed a root for
        // --gc-sections. Nothing looks them up at run time. Saves 2.3 MB resident (BENCHMARKS.md).
        linkerSettings: [
            .unsafeFlags(["-Xlinker", "--no-export-dynamic"], .when(platforms: [.linux], configuration: .release))
        ]
    ),
    .executableTarget(
        name: "voicectl",
        dependencies: ["VoiceControl", "VoiceCore", argumentParser],
        swiftSettings: swiftSettings
    ),
    .executableTarget(
        name: "voiced-sim",
        dependencies: ["VoiceSimulator", argumentParser, logging],
        swiftSettings: swiftSettings
    ),

    // Benchmarks print figures (BENCHMARKS.md); never timed assertions in tests.
    // CVoicedBenchAllocations interposes malloc to count allocations on the audio threads: bench only.
    .target(name: "CVoicedBenchAllocations"),
    .executableTarget(
        name: "voiced-bench",
        dependencies: [
            "VoiceDSP", "VoiceCore", "VoiceProtocol", "VoiceALSA", "VoiceRealtime", "VoiceSimulator",
            "VoiceControl", "VoiceControlServer", "VoiceListening", "CVoicedBenchAllocations",
            argumentParser, logging, .product(name: "NIOWebSocket", package: "swift-nio"),
        ] + nio,
        swiftSettings: swiftSettings
    ),

    // MARK: - Tests
    .testTarget(
        name: "VoiceDSPTests",
        dependencies: ["VoiceDSP", "VoiceTestSupport"],
        resources: [.copy("Fixtures")],  // reference data from Fixtures/generate_fixtures.py
        swiftSettings: swiftSettings
    ),
    .testTarget(name: "VoiceCoreTests", dependencies: ["VoiceCore", "VoiceTestSupport"], swiftSettings: swiftSettings),
    .testTarget(
        name: "VoiceProtocolTests", dependencies: ["VoiceProtocol", "VoiceCore"], swiftSettings: swiftSettings),
    .testTarget(
        name: "VoiceConfigTests", dependencies: ["VoiceConfig", "VoiceTestSupport"], swiftSettings: swiftSettings),
    .testTarget(
        name: "VoiceListeningTests",
        dependencies: ["VoiceListening", "VoiceDSP", "VoiceTestSupport"],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "VoiceALSATests",
        dependencies: ["VoiceALSA", "VoiceDSP", "VoiceTestSupport"],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "VoiceGPIOTests",
        dependencies: ["VoiceGPIO", "VoiceCore", "VoiceTestSupport"],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "VoiceSystemdTests",
        dependencies: ["VoiceSystemd", "VoiceSystemdTestSupport", "VoiceTestSupport"],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "VoiceRealtimeTests",
        dependencies: [
            "VoiceRealtime", "VoiceSimulator", "VoiceProtocol", "VoiceTestSupport",
            .product(name: "NIOEmbedded", package: "swift-nio"),
        ],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "VoiceControlTests",
        dependencies: ["VoiceControl", "VoiceControlServer", "VoiceTestSupport", "voicectl", logging, lifecycle],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "VoiceToolsTests",
        dependencies: [
            "VoiceTools", "VoiceSimulator", "VoiceRealtime", "VoiceProtocol", "VoiceTestSupport", logging,
        ] + nio + [.product(name: "NIOHTTP1", package: "swift-nio")],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "VoiceDaemonTests",
        dependencies: [
            "VoiceDaemon", "VoiceSimulator", "VoiceControl", "VoiceProtocol", "VoiceSystemd", "VoiceSystemdTestSupport",
            "VoiceTestSupport",
        ],
        swiftSettings: swiftSettings
    ),
]

// Developer convenience on a 2-core machine: `VOICED_ONLY=VoiceDSPTests,VoiceCoreTests swift test`
// declares only those test targets and what they depend on, so working on a pure module never
// compiles SwiftNIO or BoringSSL. Unset (CI, make), the whole package is declared.
if let only = Context.environment["VOICED_ONLY"], !only.isEmpty {
    let byName = Dictionary(uniqueKeysWithValues: targets.map { ($0.name, $0) })
    var keep = Set<String>()
    var pending = only.split(separator: ",").map(String.init)
    while let name = pending.popLast() {
        guard let target = byName[name], keep.insert(name).inserted else { continue }
        for dependency in target.dependencies {
            if case .byNameItem(let dependencyName, _) = dependency { pending.append(dependencyName) }
            if case .targetItem(let dependencyName, _) = dependency { pending.append(dependencyName) }
        }
    }
    targets = targets.filter { keep.contains($0.name) }
}

let package = Package(
    name: "voiced",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "voiced", targets: ["voiced"]),
        .executable(name: "voicectl", targets: ["voicectl"]),
        .executable(name: "voiced-sim", targets: ["voiced-sim"]),
        .executable(name: "voiced-bench", targets: ["voiced-bench"]),
    ].filter { product in targets.contains { $0.name == product.name } },
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics.git", from: "1.1.1"),
    ],
    targets: targets
)
