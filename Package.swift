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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "CKernels", cSettings: kernelFlags, linkerSettings: [.linkedLibrary("pthread"), .linkedLibrary("m")]),
        .target(name: "SluiceModel", dependencies: ["CKernels"]),
        .target(name: "SluiceTokenizer", dependencies: ["SluiceModel"]),
        .target(name: "SluiceEngine", dependencies: ["SluiceModel", "SluiceTokenizer"]),
        .target(name: "SluiceServer", dependencies: ["SluiceEngine"]),
        .target(name: "SluiceBench", dependencies: []),
        .executableTarget(name: "sluice", dependencies: [
            "SluiceEngine", "SluiceModel", "SluiceTokenizer", "SluiceServer", "SluiceBench",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "CKernelsTests", dependencies: ["CKernels"]),
        .testTarget(name: "SluiceModelTests", dependencies: ["SluiceModel", "CKernels"], resources: [.copy("Resources")]),
        .testTarget(name: "SluiceTokenizerTests", dependencies: ["SluiceTokenizer", "SluiceModel"], resources: [.copy("Resources")]),
        .testTarget(name: "SluiceEngineTests", dependencies: ["SluiceEngine", "SluiceModel", "SluiceTokenizer"]),
    ],
    swiftLanguageModes: [.v6]
)
