import Foundation
import SluiceGGUF
import SluiceModel
import SluiceServer
import SluiceTemplate
import SluiceTokenizer

/// Fuzz targets for the readers of untrusted input (issue: hostile clients): a GGUF file (its layout,
/// metadata, a model's configuration and its vocabulary), a request body (every endpoint's decoder),
/// and a chat template (parsed and rendered under tight limits). `SLUICE_FUZZ_TARGET` picks one.
///
/// Built by `scripts/fuzz.sh` with `-sanitize=fuzzer,address -D FUZZING`, libFuzzer's driver runs `fuzzOne`.
/// Built plainly (as CI builds it), the same binary replays inputs: `sluice-fuzz TARGET FILE...`, which
/// is how a crash found by the fuzzer is reproduced before it becomes a regression test.
enum FuzzTarget: String, CaseIterable {
    case gguf, request, template

    func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        switch self {
        case .gguf: Self.gguf(bytes)
        case .request: RequestFuzzing.decodeEveryEndpoint(bytes)
        case .template: Self.template(bytes)
        }
    }

    /// The input as a file (GGUF is read through a mapping), then everything loading does with it.
    private static func gguf(_ bytes: UnsafeBufferPointer<UInt8>) {
        let path = scratchPath
        guard FileManager.default.createFile(atPath: path, contents: Data(buffer: bytes)) else { return }
        guard let file = try? GGUFFile(path: path) else { return }
        _ = try? ModelRegistry.load(file)
        if let vocabulary = try? TokenizerVocabulary(gguf: file), let tokenizer = try? makeTokenizer(vocabulary: vocabulary) {
            let ids = tokenizer.encode("Hello, world! <|im_start|> 123 ü", addSpecialTokens: true, parseSpecial: true)
            _ = tokenizer.decode(ids, skipSpecialTokens: false)
        }
    }

    /// One scratch file per process (libFuzzer runs one input at a time), in memory where Linux has it.
    private static let scratchPath: String = {
        let directory = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return "\(directory)/sluice-fuzz-\(getpid()).gguf"
    }()

    /// The input as a template's source, rendered over a small conversation with limits low enough that
    /// every input finishes in milliseconds (the server's defaults allow far more).
    private static func template(_ bytes: UnsafeBufferPointer<UInt8>) {
        let source = String(decoding: bytes, as: UTF8.self)
        let limits = RenderLimits(maxProducedBytes: 1 << 20, maxSteps: 50_000, maxCallDepth: 16)
        guard let template = try? ChatTemplate(source: source, bosToken: "<s>", eosToken: "</s>", limits: limits) else { return }
        let messages: [JinjaValue] = [
            .object(["role": "system", "content": "Be brief."]),
            .object(["role": "user", "content": "What is {{ 1 + 1 }}?"]),
            .object(["role": "assistant", "content": "2"]),
        ]
        _ = try? template.render(messages: messages, addGenerationPrompt: true, now: Date(timeIntervalSince1970: 0))
    }

    /// The target `SLUICE_FUZZ_TARGET` names.
    static var fromEnvironment: FuzzTarget? {
        ProcessInfo.processInfo.environment["SLUICE_FUZZ_TARGET"].flatMap(FuzzTarget.init(rawValue:))
    }
}

/// libFuzzer's callback: one input for the target the environment names (exported under libFuzzer's
/// name too, for a link that takes libFuzzer's own `main`).
#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
#endif
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let target = FuzzTarget.fromEnvironment else {
        fatalError("set SLUICE_FUZZ_TARGET to one of \(FuzzTarget.allCases.map(\.rawValue))")
    }
    target.run(UnsafeBufferPointer(start: data, count: size))
    return 0
}

@main
enum FuzzMain {
    static func main() {
        #if FUZZING
        // The package's entry point stays ours (SwiftPM links every executable's `main` to it), so
        // libFuzzer runs through its driver function rather than its own `main`.
        typealias Callback = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
        typealias Driver = @convention(c) (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                                           Callback) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "LLVMFuzzerRunDriver") else {
            fatalError("LLVMFuzzerRunDriver is missing: build with scripts/fuzz.sh")
        }
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(unsafeBitCast(symbol, to: Driver.self)(&argc, &argv) { fuzzOne($0, $1) })
        #else
        replay(Array(CommandLine.arguments.dropFirst()))
        #endif
    }

    /// `sluice-fuzz TARGET FILE...`: runs each file through the target, as the fuzzer ran it.
    static func replay(_ arguments: [String]) {
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count > 1 else {
            FileHandle.standardError.write(Data("usage: sluice-fuzz gguf|request|template FILE...\n".utf8))
            exit(2)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("cannot read \(path)\n".utf8))
                exit(1)
            }
            data.withUnsafeBytes { target.run($0.bindMemory(to: UInt8.self)) }
            print("\(path): ok")
        }
    }
}
