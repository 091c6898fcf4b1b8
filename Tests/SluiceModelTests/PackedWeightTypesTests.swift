import CKernels
import Foundation
import Testing
import SluiceCPU
@testable import SluiceModel

/// The tiny F16 llama of TinyModelTests with its layer matrices re-encoded as IQ4_NL, IQ4_XS or BF16 (the
/// embeddings and output stay F16): every projection must take the packed GEMM, and its log-probs must be
/// those of the same file on the one-row vec_dot path, which quantizes the activations the same way
/// (IQ4_NL: Q8_0, whose quants and scale Q8_1 shares; IQ4_XS: Q8_K; BF16: bf16; F16: f16), so only the
/// order of float sums separates them, and the roundings of activations that this order tips.
@Suite("Packed weight types in a whole model", .serialized)
struct PackedWeightTypesTests {
    /// How far the top-5 log-probs of the two paths may differ. Measured: positions whose activations round
    /// alike agree to 4e-6; where the order of sums tips one 8-bit activation (or f16 value) the other way,
    /// by up to 0.036 nats (IQ4_NL; F16 0.0045), as llama.cpp moves against itself between one-pass and
    /// incremental runs. Swapping the halves of IQ4's nibbles in the packer moves them by 16 nats.
    static let tolerance: Float = 0.1

    static let types: [GGMLType] = [.iq4_NL, .iq4_XS, .bf16, .f16]

    /// The fixture's file with every 2-D tensor of the layers stored as `type`.
    static func gguf(_ fixture: TinyModelFixture, matricesAs type: GGMLType) throws -> [UInt8] {
        let arch = fixture.config.architecture
        var writer = GGUFTestWriter(version: 3)
        writer.add("general.architecture", .string(arch))
        let c = fixture.config
        for (key, value) in [("context_length", c.context_length), ("embedding_length", c.embedding_length),
                             ("block_count", c.block_count), ("feed_forward_length", c.feed_forward_length),
                             ("attention.head_count", c.head_count), ("attention.head_count_kv", c.head_count_kv)] {
            writer.add("\(arch).\(key)", .uint32(UInt32(value)))
        }
        writer.add("\(arch).attention.layer_norm_rms_epsilon", .float32(Float(c.rms_epsilon)))
        if let base = c.rope_freq_base { writer.add("\(arch).rope.freq_base", .float32(Float(base))) }
        for tensor in fixture.tensors {
            var (tensorType, data) = try fixture.bytes(of: tensor)
            if tensor.name.hasPrefix("blk."), tensor.dimensions.count == 2 {
                let values = TinyWeights.uniform(seed: tensor.seed, count: tensor.dimensions.reduce(1, *),
                                                 scale: Float(tensor.scale), offset: Float(tensor.offset))
                tensorType = type
                data = TestEncoder.encode(values, as: type)
            }
            writer.add(.init(name: tensor.name, dimensions: tensor.dimensions, type: tensorType, data: data))
        }
        return writer.build().bytes
    }

    /// Log-probs after each token of one pass, the packed GEMM at `level`.
    static func logProbs(_ model: any DecoderModel, tokens: [Int32], level: sl_level = sl_packed_best_level(),
                         packWeights: Bool = true) throws -> [[Float]] {
        let blockSize = 16
        let blocks = (tokens.count + blockSize - 1) / blockSize
        let groups = model.kvCacheLayout.groups.count
        let runner = ModelRunner(model: model, numBlocks: groups * blocks + 1, blockSize: blockSize,
                                 maxBatchTokens: tokens.count, maxModelLength: 64, threadCount: 2, packWeights: packWeights)
        runner.gemmLevel = level
        let batch = ForwardBatch.singleSequence(
            tokens: tokens, startPosition: 0, blockTables: ForwardBatch.disjointBlockTables(numGroups: groups, numBlocks: blocks),
            blockSize: blockSize, allLogits: true)
        return TinyModelTests.logSoftmaxRows(try runner.execute(batch), vocabulary: runner.vocabularySize)
    }

    @Test("IQ4_NL, IQ4_XS, BF16 and F16 layer matrices all run on the packed GEMM and agree with vec_dot",
          .enabled(if: PreparedWeights.packsWeights), arguments: types)
    func packedMatchesVecDot(type: GGMLType) throws {
        let fixture = try TinyModelFixture.named("llama_gqa4_f16")
        let directory = try GGUFScratchDirectory()
        let path = try directory.write(try Self.gguf(fixture, matricesAs: type), name: "tiny_\(type).gguf")
        let model = try ModelRegistry.load(try GGUFFile(path: path))
        let expected = sl_type(rawValue: type.rawValue)
        let weights = PreparedWeights.shared(for: model)
        // Every layer projection (not the F16 LM head, which is `output`) is packed as the type under test.
        for linear in model.linears where linear.id != model.output.id {
            let pieces = try #require(weights.packed(linear), "\(type): \(linear.parts[0].name) is off the packed path").pieces
            #expect(pieces.count == 1 && pieces[0].type == expected, "\(type): \(linear.parts[0].name)")
        }
        #expect(PreparedWeights(model: model, pack: false).projections.allSatisfy { $0 == nil })
        let tokens = fixture.token_ids.map(Int32.init)
        let ours = try Self.logProbs(model, tokens: tokens)
        #expect(ours == (try Self.logProbs(model, tokens: tokens, level: SL_LEVEL_SCALAR)),
                "\(type): the SIMD kernels give the scalar reference's logits, bit for bit")
        let reference = try Self.logProbs(model, tokens: tokens, packWeights: false)
        var worst: Float = 0
        for (position, (row, referenceRow)) in zip(ours, reference).enumerated() {
            let top = referenceRow.indices.sorted { referenceRow[$0] > referenceRow[$1] }.prefix(5)
            for id in top { worst = max(worst, abs(row[id] - referenceRow[id])) }
            let margin = referenceRow[top[top.startIndex]] - referenceRow[top[top.startIndex + 1]]
            let argmax = row.indices.max { row[$0] < row[$1] }!
            #expect(argmax == top.first! || margin <= Self.tolerance, "\(type) position \(position): argmax \(argmax)")
        }
        #expect(worst <= Self.tolerance, "\(type): packed and vec_dot log-probs differ by \(worst)")
        print("\(type): max |packed - vec_dot| over the top-5 log-probs = \(worst)")
    }
}

/// Straightforward encoders of f32 values into the GGUF formats under test; they need not pick llama.cpp's
/// scales, only produce valid blocks with every level in use.
enum TestEncoder {
    static let iq4Levels: [Float] = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113]

    static func encode(_ values: [Float], as type: GGMLType) -> [UInt8] {
        var out = GGUFByteWriter()
        switch type {
        case .f16:
            for v in values { out.uint16(Float16(v).bitPattern) }
        case .bf16:
            for v in values { out.uint16(bf16(v)) }
        case .iq4_NL:
            for block in stride(from: 0, to: values.count, by: 32) {
                let x = values[block..<(block + 32)]
                let d = Float16((x.map(abs).max() ?? 0) / 127)
                out.uint16(d.bitPattern)
                out.bytes += nibbles(x, scale: Float(d))
            }
        case .iq4_XS:
            for superBlock in stride(from: 0, to: values.count, by: 256) {
                let x = values[superBlock..<(superBlock + 256)]
                let subScales = (0..<8).map { j in (x[(superBlock + 32 * j)..<(superBlock + 32 * j + 32)].map(abs).max() ?? 0) / 127 }
                let d = Float16((subScales.max() ?? 0) / 31)
                let ls = subScales.map { Float(d) > 0 ? min(63, max(0, Int(($0 / Float(d)).rounded()) + 32)) : 32 }
                out.uint16(d.bitPattern)
                out.uint16(UInt16((0..<8).reduce(0) { $0 | ((ls[$1] >> 4) & 3) << (2 * $1) }))
                for pair in 0..<4 { out.bytes.append(UInt8((ls[2 * pair] & 15) | (ls[2 * pair + 1] & 15) << 4)) }
                for j in 0..<8 {
                    let start = superBlock + 32 * j
                    out.bytes += nibbles(x[start..<(start + 32)], scale: Float(d) * Float(ls[j] - 32))
                }
            }
        default:
            preconditionFailure("no encoder for \(type)")
        }
        return out.bytes
    }

    /// 16 bytes of nearest-level indices of 32 values at `scale`: element k in the low nibble of byte k,
    /// element k + 16 in its high nibble.
    static func nibbles(_ x: ArraySlice<Float>, scale: Float) -> [UInt8] {
        let values = Array(x)
        let indices = values.map { v in
            let target = scale != 0 ? v / scale : 0
            return iq4Levels.indices.min { abs(iq4Levels[$0] - target) < abs(iq4Levels[$1] - target) }!
        }
        return (0..<16).map { UInt8(indices[$0] | indices[$0 + 16] << 4) }
    }

    /// Round to nearest even (finite values only).
    static func bf16(_ v: Float) -> UInt16 {
        let bits = v.bitPattern
        return UInt16((bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
    }
}
