import CKernels

/// A seeded generator (SplitMix64), so a failing case can be replayed from the seed in its message.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    let seed: UInt64

    init(seed: UInt64 = UInt64.random(in: 0...UInt64.max)) {
        self.seed = seed
        self.state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One quantized or float type, as the tests see it: its C traits plus an independent per-element reading.
struct QuantFormat: CustomStringConvertible, Sendable {
    let type: sl_type
    var description: String { String(cString: traits.name) }
    var traits: sl_type_traits { sl_get_type_traits(type)!.pointee }
    var blockSize: Int { Int(traits.block_size) }
    var typeSize: Int { Int(traits.type_size) }

    static let weightTypes: [QuantFormat] = [
        SL_TYPE_F32, SL_TYPE_F16, SL_TYPE_BF16, SL_TYPE_Q4_0, SL_TYPE_Q4_1, SL_TYPE_Q5_0, SL_TYPE_Q5_1,
        SL_TYPE_Q8_0, SL_TYPE_Q4_K, SL_TYPE_Q5_K, SL_TYPE_Q6_K, SL_TYPE_IQ4_NL, SL_TYPE_IQ4_XS,
    ].map(QuantFormat.init)
    static let allTypes: [QuantFormat] = weightTypes + [SL_TYPE_Q8_1, SL_TYPE_Q8_K].map(QuantFormat.init)
}

// MARK: - Byte helpers

func halfBits(_ value: Float) -> UInt16 { Float16(value).bitPattern }
func halfValue(_ bits: UInt16) -> Float { Float(Float16(bitPattern: bits)) }
func bf16Value(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

extension Array where Element == UInt8 {
    func u16(_ offset: Int) -> UInt16 { UInt16(self[offset]) | UInt16(self[offset + 1]) << 8 }
    func u32(_ offset: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(self[offset + $1]) << (8 * $1) } }
    func i8(_ offset: Int) -> Int { Int(Int8(bitPattern: self[offset])) }
    func i16(_ offset: Int) -> Int { Int(Int16(bitPattern: u16(offset))) }
    func f32(_ offset: Int) -> Float { Float(bitPattern: u32(offset)) }
    mutating func setU16(_ offset: Int, _ value: UInt16) {
        self[offset] = UInt8(value & 0xFF)
        self[offset + 1] = UInt8(value >> 8)
    }
    mutating func setF32(_ offset: Int, _ value: Float) {
        for k in 0..<4 { self[offset + k] = UInt8((value.bitPattern >> (8 * k)) & 0xFF) }
    }
}

// MARK: - Random data

/// Random blocks of `format`: random quants, and finite fp16 scales of modest size.
func randomRow(_ format: QuantFormat, blocks: Int, using rng: inout SeededGenerator) -> [UInt8] {
    let size = format.typeSize
    var bytes = (0..<(blocks * size)).map { _ in UInt8.random(in: 0...255, using: &rng) }
    func scale() -> UInt16 { halfBits(Float.random(in: -0.05...0.05, using: &rng)) }
    func positiveScale() -> UInt16 { halfBits(Float.random(in: 0.001...0.05, using: &rng)) }
    for b in 0..<blocks {
        let o = b * size
        switch format.type {
        case SL_TYPE_F32:
            bytes.setF32(o, Float.random(in: -2...2, using: &rng))
        case SL_TYPE_F16:
            bytes.setU16(o, halfBits(Float.random(in: -2...2, using: &rng)))
        case SL_TYPE_BF16:
            bytes.setU16(o, UInt16(Float.random(in: -2...2, using: &rng).bitPattern >> 16))
        case SL_TYPE_Q4_0, SL_TYPE_Q5_0, SL_TYPE_IQ4_NL, SL_TYPE_IQ4_XS:
            bytes.setU16(o, scale())
        case SL_TYPE_Q4_1, SL_TYPE_Q5_1:
            bytes.setU16(o, scale())
            bytes.setU16(o + 2, scale())
        case SL_TYPE_Q8_0, SL_TYPE_Q8_1:
            // ggml's quantizers never produce -128, and the sign trick of the SIMD kernels relies on it.
            let quants = format.type == SL_TYPE_Q8_0 ? 2 : 4
            for k in 0..<32 where bytes[o + quants + k] == 0x80 { bytes[o + quants + k] = 0x81 }
            bytes.setU16(o, scale())
            if format.type == SL_TYPE_Q8_1 {
                let sum = (0..<32).reduce(0) { $0 + bytes.i8(o + 4 + $1) }
                bytes.setU16(o + 2, halfBits(halfValue(bytes.u16(o)) * Float(sum)))
            }
        case SL_TYPE_Q4_K, SL_TYPE_Q5_K:
            bytes.setU16(o, positiveScale())
            bytes.setU16(o + 2, positiveScale())
        case SL_TYPE_Q6_K:
            bytes.setU16(o + 208, scale())
        case SL_TYPE_Q8_K:
            for k in 0..<256 where bytes[o + 4 + k] == 0x80 { bytes[o + 4 + k] = 0x81 }
            bytes.setF32(o, Float.random(in: -0.01...0.01, using: &rng))
            for g in 0..<16 {
                let sum = (0..<16).reduce(0) { $0 + bytes.i8(o + 4 + 16 * g + $1) }
                bytes.setU16(o + 260 + 2 * g, UInt16(bitPattern: Int16(sum)))
            }
        default:
            fatalError("no random data for \(format)")
        }
    }
    return bytes
}

func randomFloats(_ count: Int, in range: ClosedRange<Float> = -1...1, using rng: inout SeededGenerator) -> [Float] {
    (0..<count).map { _ in Float.random(in: range, using: &rng) }
}

// MARK: - Calling the C kernels

func dequantize(_ format: QuantFormat, _ bytes: [UInt8], count: Int) -> [Float] {
    var out = [Float](repeating: .nan, count: count)
    bytes.withUnsafeBytes { src in out.withUnsafeMutableBufferPointer { format.traits.to_float(src.baseAddress, $0.baseAddress, Int64(count)) } }
    return out
}

func quantize(_ fn: sl_from_float_fn, _ format: QuantFormat, _ values: [Float]) -> [UInt8] {
    var out = [UInt8](repeating: 0xAA, count: sl_row_size(format.type, Int64(values.count)))
    values.withUnsafeBufferPointer { src in out.withUnsafeMutableBytes { fn(src.baseAddress, $0.baseAddress, Int64(values.count)) } }
    return out
}

func dot(_ fn: sl_vec_dot_fn, count: Int, _ x: [UInt8], _ y: [UInt8]) -> Float {
    var result: Float = .nan
    x.withUnsafeBytes { xp in y.withUnsafeBytes { yp in fn(Int32(count), &result, xp.baseAddress, yp.baseAddress) } }
    return result
}
