import Foundation
import SluiceModel
import Testing

/// A tiny model with pseudo-random weights and llama.cpp's log-probs for it, written by
/// scripts/make_tiny_models.py; the test rebuilds the GGUF file from the same generator.
struct TinyModelFixture: Decodable {
    /// The hyper-parameters, under GGUF's key names (`{arch}.block_count` ...).
    struct Config: Decodable {
        let architecture: String
        let vocab_size: Int
        let context_length: Int
        let block_count: Int
        let embedding_length: Int
        let feed_forward_length: Int
        let head_count: Int
        let head_count_kv: Int
        let head_dim: Int
        let rms_epsilon: Double
        /// Absent when the file leaves `rope.freq_base` out, so readers fall back to 10000.
        let rope_freq_base: Double?
        /// `attention.key_length` (and value length), where the head dim is not hidden / heads.
        let key_length: Int?
        /// Further `{arch}.KEY` metadata (sliding window, soft-caps): KEY -> (GGUF type, value).
        let extra: [String: ExtraValue]
    }
    /// One metadata value, written as `["uint32", 8]`, `["float32", 5.0]` or `["string", "yarn"]`.
    struct ExtraValue: Decodable {
        let type: String
        let value: Double
        let text: String?

        init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            type = try container.decode(String.self)
            if type == "string" {
                text = try container.decode(String.self)
                value = .nan
            } else {
                value = try container.decode(Double.self)
                text = nil
            }
        }
    }
    /// How to regenerate one tensor, and the checksum of the bytes the Python writer stored.
    struct Tensor: Decodable {
        let name: String
        /// GGUF order, innermost first: `[cols, rows]`.
        let dimensions: [Int]
        let type: String
        let seed: UInt64
        let scale: Double
        let offset: Double
        let fnv1a64: String
    }
    struct Position: Decodable {
        let top_ids: [Int]
        let top_logprobs: [Float]
        /// llama.cpp's log-probs of the same ids when it evaluates one token at a time: its noise floor.
        let incremental_top_logprobs: [Float]
    }

    let name: String
    let config: Config
    let tensors: [Tensor]
    /// The sequence evaluated; `positions[i]` is the distribution after `token_ids[0...i]`.
    let token_ids: [Int]
    let positions: [Position]

    static let names = ["qwen2", "llama_gqa4_f16", "llama_hd128", "qwen3", "gemma2", "gemma3", "llama_rope_freqs",
                        "llama_yarn", "qwen2_linear", "phi3", "phi3_long"]

    static func named(_ name: String) throws -> TinyModelFixture {
        let url = try #require(Bundle.module.url(forResource: "tiny_\(name)", withExtension: "json", subdirectory: "Resources"))
        return try JSONDecoder().decode(TinyModelFixture.self, from: Data(contentsOf: url))
    }

    /// The tensor's GGUF type and little-endian bytes, from the generator.
    func bytes(of tensor: Tensor) throws -> (type: GGMLType, bytes: [UInt8]) {
        let count = tensor.dimensions.reduce(1, *)
        let values = TinyWeights.uniform(seed: tensor.seed, count: count, scale: Float(tensor.scale), offset: Float(tensor.offset))
        var out = GGUFByteWriter()
        switch tensor.type {
        case "f32":
            for value in values { out.uint32(value.bitPattern) }
            return (.f32, out.bytes)
        case "f16":
            for value in values { out.uint16(Float16(value).bitPattern) }
            return (.f16, out.bytes)
        default:
            throw TinyModelError("fixture \(name): tensor \(tensor.name) has type \(tensor.type); the generator writes f32 or f16")
        }
    }

    /// The model's GGUF file: the hyper-parameters and the generated tensors (no tokenizer; the runner needs none).
    func gguf() throws -> [UInt8] {
        let arch = config.architecture
        var writer = GGUFTestWriter(version: 3)
        writer.add("general.architecture", .string(arch))
        writer.add("\(arch).context_length", .uint32(UInt32(config.context_length)))
        writer.add("\(arch).embedding_length", .uint32(UInt32(config.embedding_length)))
        writer.add("\(arch).block_count", .uint32(UInt32(config.block_count)))
        writer.add("\(arch).feed_forward_length", .uint32(UInt32(config.feed_forward_length)))
        writer.add("\(arch).attention.head_count", .uint32(UInt32(config.head_count)))
        writer.add("\(arch).attention.head_count_kv", .uint32(UInt32(config.head_count_kv)))
        writer.add("\(arch).attention.layer_norm_rms_epsilon", .float32(Float(config.rms_epsilon)))
        if let base = config.rope_freq_base {
            writer.add("\(arch).rope.freq_base", .float32(Float(base)))
        }
        if let length = config.key_length {
            writer.add("\(arch).attention.key_length", .uint32(UInt32(length)))
            writer.add("\(arch).attention.value_length", .uint32(UInt32(length)))
        }
        for (key, extra) in config.extra.sorted(by: { $0.key < $1.key }) {
            switch extra.type {
            case "uint32": writer.add("\(arch).\(key)", .uint32(UInt32(extra.value)))
            case "float32": writer.add("\(arch).\(key)", .float32(Float(extra.value)))
            case "string": writer.add("\(arch).\(key)", .string(extra.text ?? ""))
            default: throw TinyModelError("fixture \(name): metadata \(key) has type \(extra.type)")
            }
        }
        for tensor in tensors {
            let (type, data) = try bytes(of: tensor)
            writer.add(.init(name: tensor.name, dimensions: tensor.dimensions, type: type, data: data))
        }
        return writer.build().bytes
    }
}

/// The weight generator that scripts/make_tiny_models.py implements identically: SplitMix64 from the
/// tensor's seed, the top 24 bits as u in [0, 1), then `(2u - 1) * scale + offset`, each step in f32.
enum TinyWeights {
    static func uniform(seed: UInt64, count: Int, scale: Float, offset: Float) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            let u = Float(splitMix64(&state) >> 40) * 0x1p-24
            let centered = 2 * u - 1
            let scaled = centered * scale
            return scaled + offset
        }
    }

    static func splitMix64(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// FNV-1a, 64 bits, as 16 hex digits: the checksum the fixture records per tensor.
    static func fnv1a64(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

struct TinyModelError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
