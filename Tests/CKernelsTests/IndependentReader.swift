import CKernels

/// A straightforward per-element reading of each GGUF format, written from the format's description
/// and sharing no code with the C kernels: element `index` of a row, as a Double.
func independentElement(_ format: QuantFormat, _ b: [UInt8], _ index: Int) -> Double {
    let block = index / format.blockSize
    let k = index % format.blockSize
    let o = block * format.typeSize
    switch format.type {
    case SL_TYPE_F32:
        return Double(b.f32(o))
    case SL_TYPE_F16:
        return Double(halfValue(b.u16(o)))
    case SL_TYPE_BF16:
        return Double(bf16Value(b.u16(o)))
    case SL_TYPE_Q4_0, SL_TYPE_Q4_1:
        // Element k < 16 is the low nibble of qs[k]; element k >= 16 the high nibble of qs[k - 16].
        let qs = o + (format.type == SL_TYPE_Q4_0 ? 2 : 4)
        let byte = Int(b[qs + k % 16])
        let q = k < 16 ? byte & 15 : byte >> 4
        let d = Double(halfValue(b.u16(o)))
        return format.type == SL_TYPE_Q4_0 ? Double(q - 8) * d : Double(q) * d + Double(halfValue(b.u16(o + 2)))
    case SL_TYPE_Q5_0, SL_TYPE_Q5_1:
        let isQ5_0 = format.type == SL_TYPE_Q5_0
        let qh = b.u32(o + (isQ5_0 ? 2 : 4))
        let qs = o + (isQ5_0 ? 6 : 8)
        let byte = Int(b[qs + k % 16])
        let q = (k < 16 ? byte & 15 : byte >> 4) + Int((qh >> UInt32(k)) & 1) * 16
        let d = Double(halfValue(b.u16(o)))
        return isQ5_0 ? Double(q - 16) * d : Double(q) * d + Double(halfValue(b.u16(o + 2)))
    case SL_TYPE_Q8_0:
        return Double(b.i8(o + 2 + k)) * Double(halfValue(b.u16(o)))
    case SL_TYPE_Q8_1:
        return Double(b.i8(o + 4 + k)) * Double(halfValue(b.u16(o)))
    case SL_TYPE_Q8_K:
        return Double(b.i8(o + 4 + k)) * Double(b.f32(o))
    case SL_TYPE_Q4_K, SL_TYPE_Q5_K:
        let sub = k / 32
        let (scale, min) = sixBitScaleAndMin(b, scalesAt: o + 4, subBlock: sub)
        let qs = o + (format.type == SL_TYPE_Q4_K ? 16 : 48)
        let byte = Int(b[qs + (sub / 2) * 32 + k % 32])
        var q = sub % 2 == 0 ? byte & 15 : byte >> 4
        if format.type == SL_TYPE_Q5_K { q += Int((b[o + 16 + k % 32] >> UInt8(sub)) & 1) * 16 }
        return Double(halfValue(b.u16(o))) * Double(scale) * Double(q) - Double(halfValue(b.u16(o + 2))) * Double(min)
    case SL_TYPE_Q6_K:
        // 128-element halves; in each, runs of 32 take ql's low nibbles (runs 0, 1) or high nibbles (runs 2, 3)
        // of bytes 0..<32 (runs 0, 2) or 32..<64 (runs 1, 3), and 2 bits of qh at bit 2 * run.
        let half = k / 128, run = (k % 128) / 32, l = k % 32
        let low = Int(b[o + 64 * half + (run % 2) * 32 + l])
        let nibble = run < 2 ? low & 15 : low >> 4
        let high = (Int(b[o + 128 + 32 * half + l]) >> (2 * run)) & 3
        let q = nibble | high << 4
        let scale = b.i8(o + 192 + k / 16)
        return Double(halfValue(b.u16(o + 208))) * Double(scale) * Double(q - 32)
    case SL_TYPE_IQ4_NL:
        // Q4_0's nibble order, each nibble an index into the non-linear levels.
        let byte = Int(b[o + 2 + k % 16])
        return Double(halfValue(b.u16(o))) * Double(iq4Levels[k < 16 ? byte & 15 : byte >> 4])
    case SL_TYPE_IQ4_XS:
        // d (2 bytes), scales_h (2), scales_l (4), qs (128): sub-block j's 6-bit scale is nibble j % 2 of
        // scales_l[j / 2] plus bits 2j, 2j+1 of scales_h on top, less 32; its 16 bytes of qs as IQ4_NL's.
        let sub = k / 32, l = k % 32
        let low = Int(b[o + 4 + sub / 2] >> UInt8(4 * (sub % 2))) & 15
        let high = Int(b.u16(o + 2) >> UInt16(2 * sub)) & 3
        let byte = Int(b[o + 8 + 16 * sub + l % 16])
        let level = iq4Levels[l < 16 ? byte & 15 : byte >> 4]
        return Double(halfValue(b.u16(o))) * Double((low | (high << 4)) - 32) * Double(level)
    default:
        fatalError("no reader for \(format)")
    }
}

/// IQ4_NL's and IQ4_XS's 16 levels (llama.cpp's kvalues_iq4nl).
let iq4Levels = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113]

/// Scale and min of sub-block j of a Q4_K / Q5_K block: 12 bytes hold eight 6-bit pairs. Bytes 0-3 give the
/// scales of sub-blocks 0-3 (low 6 bits), bytes 4-7 their mins; bytes 8-11 hold the low 4 bits of the scales
/// (low nibble) and mins (high nibble) of sub-blocks 4-7, whose top 2 bits are the top bits of bytes 0-3 / 4-7.
func sixBitScaleAndMin(_ b: [UInt8], scalesAt s: Int, subBlock j: Int) -> (Int, Int) {
    if j < 4 { return (Int(b[s + j] & 63), Int(b[s + 4 + j] & 63)) }
    let scale = Int(b[s + 8 + j - 4] & 15) | Int(b[s + j - 4] >> 6) << 4
    let min = Int(b[s + 8 + j - 4] >> 4) | Int(b[s + j] >> 6) << 4
    return (scale, min)
}

func independentDequantize(_ format: QuantFormat, _ bytes: [UInt8], count: Int) -> [Double] {
    (0..<count).map { independentElement(format, bytes, $0) }
}

/// The offset part of element `index` (m of Q4_1 / Q5_1, dmin * min of Q4_K / Q5_K; 0 elsewhere),
/// so tolerances can scale with the terms a kernel really sums, not just with their difference.
func independentOffset(_ format: QuantFormat, _ b: [UInt8], _ index: Int) -> Double {
    let o = (index / format.blockSize) * format.typeSize
    switch format.type {
    case SL_TYPE_Q4_1, SL_TYPE_Q5_1:
        return Double(halfValue(b.u16(o + 2)))
    case SL_TYPE_Q4_K, SL_TYPE_Q5_K:
        let (_, min) = sixBitScaleAndMin(b, scalesAt: o + 4, subBlock: (index % format.blockSize) / 32)
        return Double(halfValue(b.u16(o + 2))) * Double(min)
    default:
        return 0
    }
}
