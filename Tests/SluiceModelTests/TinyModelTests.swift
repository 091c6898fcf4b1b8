import Foundation
import Testing
import SluiceCPU
@testable import SluiceModel

/// The paths SmolLM2 leaves out (arch qwen2 with NeoX RoPE and Q/K/V biases, untied output, GQA 4,
/// head dims 16/32/128, F32 and F16 weights, default and explicit RoPE bases), checked against llama.cpp
/// on tiny pseudo-random models that scripts/make_tiny_models.py describes.
@Suite("Tiny pseudo-random models against llama.cpp", .serialized)
struct TinyModelTests {
    /// How far our log-probs may stray from llama.cpp's: 0.01 nats, or three times llama.cpp's own gap
    /// between its one-pass and incremental runs where that is larger. Neither side quantizes activations
    /// for F32 weights, so only summation order separates us (measured: 0.0012 qwen2, 0.0005 head dim 128).
    /// F16 weights round activations to f16 on both sides, which turns that order noise into an occasional
    /// different f16 rounding: llama.cpp moves 0.0047 against itself there, we 0.0063 (bound 0.014). A real
    /// bug moves far more: swapping the RoPE style, the RoPE base, the GQA head mapping, dropping the Q/K/V
    /// biases or tying the output each moves some top-5 log-prob by 9 to 32 nats on these models.
    static func tolerance(_ fixture: TinyModelFixture) -> Float {
        let noise = fixture.positions.flatMap { zip($0.top_logprobs, $0.incremental_top_logprobs).map { abs($0 - $1) } }.max()!
        return max(0.01, 3 * noise)
    }

    /// A fixture's model, rebuilt into a scratch file and loaded.
    struct Loaded {
        let fixture: TinyModelFixture
        let model: any DecoderModel
        let directory: GGUFScratchDirectory
    }

    static func load(_ name: String) throws -> Loaded {
        let fixture = try TinyModelFixture.named(name)
        let directory = try GGUFScratchDirectory()
        let path = try directory.write(try fixture.gguf(), name: "tiny_\(name).gguf")
        let model = try ModelRegistry.load(try GGUFFile(path: path))
        return Loaded(fixture: fixture, model: model, directory: directory)
    }

    /// The largest |ours - llama.cpp| over the top-5 ids at every position, recording an issue wherever it
    /// passes the tolerance, or our argmax differs from llama.cpp's top-1 while its margin is above it.
    static func compare(_ rows: [[Float]], _ fixture: TinyModelFixture, label: String) -> Float {
        let bound = Self.tolerance(fixture)
        #expect(rows.count == fixture.positions.count)
        var worst: Float = 0
        for (index, (ours, reference)) in zip(rows, fixture.positions).enumerated() {
            for (id, logprob) in zip(reference.top_ids, reference.top_logprobs) {
                let deviation = abs(ours[id] - logprob)
                worst = max(worst, deviation)
                #expect(deviation <= bound, "\(label) position \(index) id \(id): ours \(ours[id]), llama.cpp \(logprob)")
            }
            let argmax = ours.indices.max { ours[$0] < ours[$1] }!
            let margin = reference.top_logprobs[0] - reference.top_logprobs[1]
            #expect(argmax == reference.top_ids[0] || margin <= bound,
                    "\(label) position \(index): argmax \(argmax), llama.cpp \(reference.top_ids[0]) by \(margin)")
        }
        return worst
    }

    static func logSoftmaxRows(_ logits: UnsafeBufferPointer<Float>, vocabulary: Int) -> [[Float]] {
        (0..<(logits.count / vocabulary)).map { row in
            logSoftmax(UnsafeBufferPointer(rebasing: logits[(row * vocabulary)..<((row + 1) * vocabulary)]))
        }
    }

    @Test("the Swift generator rebuilds every tensor byte for byte as the Python script wrote it", arguments: TinyModelFixture.names)
    func generatorMatchesPython(name: String) throws {
        let fixture = try TinyModelFixture.named(name)
        for tensor in fixture.tensors {
            let (_, bytes) = try fixture.bytes(of: tensor)
            #expect(TinyWeights.fnv1a64(bytes) == tensor.fnv1a64, "\(name): \(tensor.name)")
        }
    }

    @Test("the rebuilt file loads with the fixture's hyper-parameters", arguments: TinyModelFixture.names)
    func configuration(name: String) throws {
        let loaded = try Self.load(name)
        let config = loaded.model.configuration
        let expected = loaded.fixture.config
        #expect(config.architecture == expected.architecture)
        #expect(config.numLayers == expected.block_count)
        #expect(config.hiddenSize == expected.embedding_length)
        #expect(config.intermediateSize == expected.feed_forward_length)
        #expect(config.numHeads == expected.head_count)
        #expect(config.numKVHeads == expected.head_count_kv)
        #expect(config.headDim == expected.head_dim)
        // Sliding layers: every other one in Gemma 2 (the even ones), five of each six in Gemma 3.
        let window = expected.extra["attention.sliding_window"].map { Int($0.value) }
        let arch = expected.architecture
        let sliding = (0..<expected.block_count).map { index in
            window != nil && (arch == "gemma2" ? index % 2 == 0 : arch == "gemma3" ? index % 6 < 5 : false)
        }
        let base = Float(expected.rope_freq_base ?? 10_000)
        for (index, spec) in loaded.model.attentionSpecs.enumerated() {
            #expect(spec.window == (sliding[index] ? window : nil), "layer \(index)")
            #expect(spec.rope.dimensions == expected.extra["rope.dimension_count"].map { Int($0.value) } ?? expected.head_dim)
            #expect(spec.rope.base == (arch == "gemma3" && sliding[index] ? 10_000 : base), "layer \(index)")
            #expect(spec.rope.style == (arch == "llama" ? .normal : .neox))
            #expect(spec.softcap == expected.extra["attn_logit_softcapping"].map { Float($0.value) })
            let pairs = name == "phi3_long" ? (spec.rope.dimensions / 2) : name.hasSuffix("rope_freqs") ? expected.head_dim / 2 : 0
            #expect((spec.rope.frequencyFactors?.count ?? 0) == pairs)
            #expect(spec.rope.longContextFactors?.factors.count == (name == "phi3_long" ? pairs : nil))
            #expect(spec.rope.longContextFactors?.originalContext == (name == "phi3_long" ? 32 : nil))
            #expect(spec.rope.attentionFactor == expected.extra["rope.scaling.attn_factor"].map { Float($0.value) } ?? 1)
            let factor = expected.extra["rope.scaling.factor"].map { Float($0.value) }
            switch expected.extra["rope.scaling.type"]?.text {
            case "yarn": #expect(spec.rope.scaling == .yarn(factor: factor!, originalContext: 16))
            case "linear": #expect(spec.rope.scaling == .linear(factor: factor!))
            default: #expect(spec.rope.scaling == .none)
            }
        }
        #expect(loaded.model.finalSoftcap == expected.extra["final_logit_softcapping"].map { Float($0.value) })
        #expect(sliding.contains(true) == (window != nil), "a declared window applies somewhere")
        #expect(config.rmsNormEps == Float(expected.rms_epsilon))
        #expect(config.vocabularySize == expected.vocab_size)
        let tied = arch.hasPrefix("gemma")
        #expect(loaded.model.output.parts.map(\.name) == [tied ? "token_embd.weight" : "output.weight"])
        let biased = loaded.model.linears.filter { $0.biases.contains { $0 != nil } }.map { $0.parts.map(\.name) }
        let layers = expected.block_count
        #expect(biased == (expected.architecture == "qwen2"
            ? (0..<layers).map { ["blk.\($0).attn_q.weight", "blk.\($0).attn_k.weight", "blk.\($0).attn_v.weight"] } : []))
    }

    @Test("one pass over the whole sequence gives llama.cpp's log-probs at every position", arguments: TinyModelFixture.names)
    func onePass(name: String) throws {
        let loaded = try Self.load(name)
        let tokens = loaded.fixture.token_ids.map(Int32.init)
        let blockSize = 16
        let blocks = (tokens.count + blockSize - 1) / blockSize
        let groups = loaded.model.kvCacheLayout.groups.count
        let runner = ModelRunner(model: loaded.model, numBlocks: groups * blocks + 1, blockSize: blockSize,
                                 maxBatchTokens: tokens.count, maxModelLength: 64, threadCount: 2)
        let batch = ForwardBatch.singleSequence(
            tokens: tokens, startPosition: 0, blockTables: ForwardBatch.disjointBlockTables(numGroups: groups, numBlocks: blocks),
            blockSize: blockSize, allLogits: true)
        let rows = Self.logSoftmaxRows(try runner.execute(batch), vocabulary: runner.vocabularySize)
        let worst = Self.compare(rows, loaded.fixture, label: "\(name) one pass")
        print("\(name) one pass: max |ours - llama.cpp| over top-5 = \(worst), tolerance \(Self.tolerance(loaded.fixture))")
    }

    /// The window is not decoration: the same model with every layer attending to all positions gives the
    /// same log-probs up to the window's length and different ones past it (where ours match llama.cpp).
    @Test("a sliding window changes exactly the positions past it", arguments: ["gemma2", "gemma3"])
    func windowMatters(name: String) throws {
        let loaded = try Self.load(name)
        let window = try #require(loaded.fixture.config.extra["attention.sliding_window"].map { Int($0.value) })
        let tokens = loaded.fixture.token_ids.map(Int32.init)
        #expect(tokens.count > 2 * window)
        func rows(_ model: any DecoderModel) throws -> [[Float]] {
            let blockSize = 16
            let blocks = (tokens.count + blockSize - 1) / blockSize
            let groups = model.kvCacheLayout.groups.count
            let runner = ModelRunner(model: model, numBlocks: groups * blocks + 1, blockSize: blockSize,
                                     maxBatchTokens: tokens.count, maxModelLength: 64, threadCount: 2)
            let batch = ForwardBatch.singleSequence(
                tokens: tokens, startPosition: 0, blockTables: ForwardBatch.disjointBlockTables(numGroups: groups, numBlocks: blocks),
                blockSize: blockSize, allLogits: true)
            return Self.logSoftmaxRows(try runner.execute(batch), vocabulary: runner.vocabularySize)
        }
        let windowed = try rows(loaded.model), full = try rows(FullAttention(loaded.model))
        func change(_ position: Int) -> Float { zip(windowed[position], full[position]).map { abs($0 - $1) }.max()! }
        for position in 0..<window { #expect(change(position) == 0, "position \(position) lies inside the window") }
        let past = (window..<tokens.count).map(change)
        #expect(past.allSatisfy { $0 > 1e-3 }, "every position past the window must change: \(past)")
    }

    /// LongRoPE's factors follow the served context, as llama.cpp's follow its n_ctx: up to the original
    /// context the short ones (the same model, other log-probs from the first rotated position on), past it
    /// the long ones (llama.cpp's log-probs: `onePass` and `chunkedThenDecode` run at 64).
    @Test("Phi-3's long RoPE factors apply only when the served context passes the original one")
    func longRopeFollowsContext() throws {
        let loaded = try Self.load("phi3_long")
        let tokens = Array(loaded.fixture.token_ids.prefix(32).map(Int32.init))
        func rows(maxModelLength: Int) throws -> [[Float]] {
            let runner = ModelRunner(model: loaded.model, numBlocks: 3, blockSize: 16, maxBatchTokens: tokens.count,
                                     maxModelLength: maxModelLength, threadCount: 2)
            let batch = ForwardBatch.singleSequence(tokens: tokens, startPosition: 0, blockTable: [1, 2], blockSize: 16,
                                                    allLogits: true)
            return Self.logSoftmaxRows(try runner.execute(batch), vocabulary: runner.vocabularySize)
        }
        let short = try rows(maxModelLength: 32), long = try rows(maxModelLength: 64)
        func change(_ position: Int) -> Float { zip(short[position], long[position]).map { abs($0 - $1) }.max()! }
        // Position 0 rotates by angle 0 whatever the factors.
        #expect(change(0) == 0)
        #expect((1..<tokens.count).allSatisfy { change($0) > 1e-4 }, "\((1..<tokens.count).map(change))")
    }

    @Test("prefill in odd chunks then decode one token at a time through a scattered block table gives llama.cpp's log-probs",
          arguments: TinyModelFixture.names)
    func chunkedThenDecode(name: String) throws {
        let loaded = try Self.load(name)
        let tokens = loaded.fixture.token_ids.map(Int32.init)
        let blockSize = 8
        // Non-contiguous, out of order, with unused blocks in between; each KV-cache group on its own ten.
        let table: [Int32] = [9, 3, 7, 1, 5]
        let groups = loaded.model.kvCacheLayout.groups.count
        let tables = (0..<groups).map { group in table.map { $0 + Int32(10 * group) } }
        #expect(table.count * blockSize >= tokens.count)
        let chunk = 7
        let prefill = 25
        let runner = ModelRunner(model: loaded.model, numBlocks: 10 * groups, blockSize: blockSize,
                                 maxBatchTokens: chunk, maxModelLength: 64, threadCount: 2)
        var rows: [[Float]] = []
        var position = 0
        while position < tokens.count {
            let end = position < prefill ? min(position + chunk, prefill) : position + 1
            let batch = ForwardBatch.singleSequence(tokens: Array(tokens[position..<end]), startPosition: position,
                                                    blockTables: tables, blockSize: blockSize, allLogits: true)
            rows += Self.logSoftmaxRows(try runner.execute(batch), vocabulary: runner.vocabularySize)
            position = end
        }
        let worst = Self.compare(rows, loaded.fixture, label: "\(name) chunked")
        print("\(name) chunked + decode: max |ours - llama.cpp| over top-5 = \(worst)")
    }
}

/// A model as another, but with every layer's attention over all positions: a `LayerOps` in the middle
/// drops the window from each attention call (the layer programs compose with any ops).
private final class FullAttention: DecoderModel {
    static let architectures: [String] = []
    let inner: any DecoderModel

    init(_ inner: any DecoderModel) { self.inner = inner }
    required init(file: GGUFFile) throws(ModelError) { throw .unsupportedArchitecture("test wrapper") }

    var common: DecoderCommon { inner.common }
    var finalSoftcap: Float? { inner.finalSoftcap }
    var attentionSpecs: [AttentionSpec] { inner.attentionSpecs.map { var spec = $0; spec.window = nil; return spec } }

    func runLayer<Ops: LayerOps>(_ index: Int, _ ops: Ops) { inner.runLayer(index, Unwindowed(ops: ops)) }

    struct Unwindowed<Inner: LayerOps>: LayerOps {
        let ops: Inner
        func normProject(_ input: ActivationBuffer, _ norm: RMSNorm, _ linear: Linear, into targets: ProjectionTargets) {
            ops.normProject(input, norm, linear, into: targets)
        }
        func project(_ input: ActivationBuffer, _ linear: Linear, into targets: ProjectionTargets) {
            ops.project(input, linear, into: targets)
        }
        func gatedProject(_ activation: GatedActivation, _ linear: Linear, into targets: ProjectionTargets) {
            ops.gatedProject(activation, linear, into: targets)
        }
        func normalize(_ buffer: ActivationBuffer, _ norm: RMSNorm) { ops.normalize(buffer, norm) }
        func add(_ source: ActivationBuffer, into target: ActivationBuffer) { ops.add(source, into: target) }
        func attention(layer: Int, _ spec: AttentionSpec) {
            var spec = spec
            spec.window = nil
            ops.attention(layer: layer, spec)
        }
    }
}
