import CKernels
import Testing

@Suite("Type traits table")
struct TypeTraitsTests {
    @Test("each type has GGUF's block size, block bytes and ggml's activation partner")
    func layouts() {
        let expected: [(sl_type, Int, Int, sl_type)] = [
            (SL_TYPE_F32, 1, 4, SL_TYPE_F32), (SL_TYPE_F16, 1, 2, SL_TYPE_F16), (SL_TYPE_BF16, 1, 2, SL_TYPE_BF16),
            (SL_TYPE_Q4_0, 32, 18, SL_TYPE_Q8_0), (SL_TYPE_Q4_1, 32, 20, SL_TYPE_Q8_1),
            (SL_TYPE_Q5_0, 32, 22, SL_TYPE_Q8_0), (SL_TYPE_Q5_1, 32, 24, SL_TYPE_Q8_1),
            (SL_TYPE_Q8_0, 32, 34, SL_TYPE_Q8_0), (SL_TYPE_Q8_1, 32, 36, SL_TYPE_Q8_1),
            (SL_TYPE_Q4_K, 256, 144, SL_TYPE_Q8_K), (SL_TYPE_Q5_K, 256, 176, SL_TYPE_Q8_K),
            (SL_TYPE_Q6_K, 256, 210, SL_TYPE_Q8_K), (SL_TYPE_Q8_K, 256, 292, SL_TYPE_Q8_K),
            (SL_TYPE_IQ4_NL, 32, 18, SL_TYPE_Q8_0), (SL_TYPE_IQ4_XS, 256, 136, SL_TYPE_Q8_K),
        ]
        for (type, blockSize, typeSize, partner) in expected {
            let traits = sl_get_type_traits(type)!.pointee
            #expect(traits.block_size == blockSize, "\(String(cString: traits.name))")
            #expect(traits.type_size == typeSize, "\(String(cString: traits.name))")
            #expect(traits.vec_dot_type == partner, "\(String(cString: traits.name))")
            #expect(sl_row_size(type, Int64(blockSize * 5)) == 5 * typeSize)
        }
    }

    @Test("every weight type has a dequantizer and both dot products; activation types have quantizers")
    func functionsPresent() {
        for format in QuantFormat.weightTypes {
            #expect(format.traits.vec_dot != nil, "\(format)")
            #expect(format.traits.vec_dot_ref != nil, "\(format)")
        }
        for format in QuantFormat.allTypes {
            #expect(format.traits.to_float != nil, "\(format)")
        }
        for type in [SL_TYPE_F32, SL_TYPE_F16, SL_TYPE_BF16, SL_TYPE_Q8_0, SL_TYPE_Q8_1, SL_TYPE_Q8_K] {
            #expect(sl_get_type_traits(type)!.pointee.from_float != nil)
        }
    }

    @Test("types ggml defines but Sluice does not support have no traits")
    func unsupported() {
        #expect(sl_get_type_traits(sl_type(rawValue: 4)) == nil) // Q4_2, removed from ggml
        #expect(sl_get_type_traits(sl_type(rawValue: 10)) == nil) // Q2_K
        #expect(sl_get_type_traits(sl_type(rawValue: 200)) == nil)
    }

    @Test("the scalar level exists everywhere; a level the CPU lacks gives no kernel")
    func levels() {
        let features = sl_cpu_features()
        for format in QuantFormat.weightTypes {
            #expect(sl_get_vec_dot_impl(format.type, SL_LEVEL_SCALAR) != nil)
            for level in [SL_LEVEL_AVX2, SL_LEVEL_AVX512] where sl_level_features(level) & ~features != 0 {
                #expect(sl_get_vec_dot_impl(format.type, level) == nil)
            }
        }
    }

    @Test("sl_kernels_init picks the best level within its mask, and is idempotent")
    func selection() {
        defer { sl_kernels_init(-1) }
        let type = SL_TYPE_Q4_1
        let best = [SL_LEVEL_AVX512, SL_LEVEL_AVX2, SL_LEVEL_SCALAR].lazy.compactMap { sl_get_vec_dot_impl(type, $0) }.first!
        sl_kernels_init(-1)
        sl_kernels_init(-1)
        #expect(unsafeBitCast(sl_get_type_traits(type)!.pointee.vec_dot, to: UInt.self) == unsafeBitCast(best, to: UInt.self))
        sl_kernels_init(0)
        let traits = sl_get_type_traits(type)!.pointee
        #expect(unsafeBitCast(traits.vec_dot, to: UInt.self) == unsafeBitCast(traits.vec_dot_ref, to: UInt.self))
        if let avx2 = sl_get_vec_dot_impl(type, SL_LEVEL_AVX2) {
            sl_kernels_init(sl_level_features(SL_LEVEL_AVX2))
            #expect(unsafeBitCast(sl_get_type_traits(type)!.pointee.vec_dot, to: UInt.self) == unsafeBitCast(avx2, to: UInt.self))
        }
    }
}
