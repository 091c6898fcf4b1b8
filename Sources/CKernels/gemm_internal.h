// The packed layouts: one traits entry per weight type (gemm_layouts.c), shared by the packer, the
// scalar reference and the SIMD kernels (arch/x86/).
//
// A packed matrix is `groups` groups of 16 rows. A group is `cols / 32` blocks of 32 columns, one after
// another; the super-block formats (the K-quants and IQ4_XS) gather 8 blocks (256 columns, one GGUF
// super-block) behind a header of per-row super-block floats. Within a block of a group of 16 rows:
// - nibbles (Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS): 256 bytes in 4 chunks of 64; byte
//   4r + i of chunk p holds, in its low nibble, the low 4 bits of column 4p + i of row r and, in its high
//   nibble, those of column 16 + 4p + i. Unpacking chunk p gives the vectors of columns 4p... ("lo") and
//   16 + 4p... ("hi"), lane r holding 4 consecutive columns of row r: one vpdpbusd each. IQ4_NL's and
//   IQ4_XS's nibbles are indices into sl_iq4nl_values; the kernels look them up with a byte shuffle
//   into the level plus 128 (1...241, vpdpbusd's unsigned side; the kernel subtracts 128 * sum(x)), or,
//   in AVX2's maddubs, into the signed level with the sign moved onto x as for Q8_0.
// - 5th bits (Q5_0, Q5_1, Q5_K): 64 bytes; bit p of byte 4r + i is bit 4 of column 4p + i of row r, and
//   bit 4 + p that of column 16 + 4p + i.
// - 6-bit quants' top bits (Q6_K): 128 bytes, two vectors; vector v covers chunks 2v and 2v + 1, and
//   byte 4r + i holds in bits 0-1 / 2-3 the top bits of the lo / hi columns of chunk 2v, and in bits
//   4-5 / 6-7 those of chunk 2v + 1.
// - bytes (Q8_0): 512 bytes in 8 chunks of 64; byte 4r + i of chunk j is column 4j + i of row r, stored
//   plus 128 so the weights are vpdpbusd's unsigned side (the kernel subtracts 128 * sum(x)).
// - 16-bit floats (F16, BF16): 1024 bytes. F16: 32 vectors of 16 halves, vector k holding column k of
//   rows 0...15 (one vcvtph2ps and one FMA per column). BF16: 16 vectors of 32 bf16, vector j holding
//   columns 2j and 2j + 1 of row r at elements 2r and 2r + 1 (one vdpbf16ps per column pair); the packer
//   flushes subnormal bf16 weights to zero, as vdpbf16ps reads them.
// - per-block scales, 16 rows each: f16 d (Q4_0, Q5_0, Q8_0, IQ4_NL); f16 d and f16 m (Q4_1, Q5_1);
//   u8 scale and u8 min (Q4_K, Q5_K); int8 scales of columns 0-15 and 16-31 (Q6_K); the int8 scale
//   ls - 32 (IQ4_XS).
// - super-block header (before each 8 blocks): 16 f32 d then 16 f32 dmin (Q4_K, Q5_K), or 16 f32 d
//   (Q6_K, IQ4_XS), exact conversions of the f16 values.
//
// The float order (sl_gemm_group_ref defines it; every kernel at every level and tile size repeats it, so
// results are bit-identical and do not depend on how many tokens run together). Per row r and token t,
// acc starts at 0 and, with xd the block's activation scale and sum its exact integer sum:
// - the 32-column types and IQ4_XS, per block: acc = fmaf(sum, dw * xd, acc), dw the weight scale (for
//   offset quants sum includes -offset * sum(x)); Q4_1 / Q5_1 then acc = fmaf(m, xs, acc).
// - Q4_K, Q5_K, per super-block s of blocks b: S = 0, M = 0 (int32); per block
//   S = fmaf(sum_b, d * sc_b, S) (d * sc exact in f32) and M += m_b * isum_b (the block's min times
//   sum(x)); then S = fmaf(-dmin, M, S), acc = fmaf(S, xd_s, acc). |M| <= 8 * 63 * 32 * 127 < 2^24, so
//   (float)M is exact.
// - Q6_K, likewise with the unsigned quants (no -32): per block S = fmaf(sum_lo, d * sc_lo, S),
//   S = fmaf(sum_hi, d * sc_hi, S), M += sc_lo * bsum_lo + sc_hi * bsum_hi (the sums of x over each 16
//   columns); then S = fmaf(-32 * d, M, S) (exact scaling), acc = fmaf(S, xd_s, acc); |M| < 2^23.
// (fnmadd(f, M, S) is fmaf(-f, M, S) exactly, so kernels may keep f = dmin or 32 * d positive.)
#pragma once
#include "quants_types.h"
#include "include/sl_gemm.h"

#include <math.h>

enum {
    PACK_NIBBLES = 256, // bytes of 4-bit quants per block and group
    PACK_BYTES = 512,   // bytes of 8-bit quants per block and group
    PACK_FLOAT16 = 1024, // bytes of 16-bit floats per block and group
    PACK_H5 = 64,       // bytes of 5th bits
    PACK_H6 = 128,      // bytes of 6-bit quants' top two bits
    PACK_HALVES = 32,   // 16 f16 or int16 values
    PACK_OCTETS = 16,   // 16 u8 or int8 values
    PACK_FLOATS = 64,   // 16 f32 values
    PACK_SUPER = 8,     // blocks per super-block
};

/// An expanded block (prefill: a group unpacked once into 8-bit quants, arch/x86/): 512 bytes of
/// quants, then 16 f32 scales; 16 more (Q6_K's columns 16-31); 16 mins (Q4_1, Q5_1) or the K-quants'
/// int16 pairs; and, for the K-quants only, their super-block factor.
enum {
    EXP_QUANTS = 512,
    EXP_SCALE2 = EXP_QUANTS + PACK_FLOATS,      // Q6_K's second scales
    EXP_THIRD = EXP_QUANTS + 2 * PACK_FLOATS,   // mins (Q4_1, Q5_1) or the K-quants' pairs
    EXP_FACTOR = EXP_QUANTS + 3 * PACK_FLOATS,  // the K-quants' super-block factor
    EXP_BLOCK = EXP_QUANTS + 3 * PACK_FLOATS,   // bytes per expanded block, the K-quants' aside
    EXP_K_BLOCK = EXP_QUANTS + 4 * PACK_FLOATS, // bytes per expanded K-quant block
};

/// The type's compile-time constants, for the SIMD kernels (one function instantiated per type folds
/// them): bytes per block and per super-block header, and which extra bits a block has. They must agree
/// with the layouts table (a static initializer cannot call them); the kernels' bit-exact tests against
/// the reference, which reads the table, catch any disagreement. Types without a layout give 0.
static inline __attribute__((always_inline)) int sl_layout_stride(const sl_type type) {
    switch (type) {
    case SL_TYPE_Q4_0: return PACK_NIBBLES + PACK_HALVES;
    case SL_TYPE_Q4_1: return PACK_NIBBLES + 2 * PACK_HALVES;
    case SL_TYPE_Q5_0: return PACK_NIBBLES + PACK_H5 + PACK_HALVES;
    case SL_TYPE_Q5_1: return PACK_NIBBLES + PACK_H5 + 2 * PACK_HALVES;
    case SL_TYPE_Q8_0: return PACK_BYTES + PACK_HALVES;
    case SL_TYPE_Q4_K: return PACK_NIBBLES + 2 * PACK_OCTETS;
    case SL_TYPE_Q5_K: return PACK_NIBBLES + PACK_H5 + 2 * PACK_OCTETS;
    case SL_TYPE_Q6_K: return PACK_NIBBLES + PACK_H6 + 2 * PACK_OCTETS;
    case SL_TYPE_IQ4_NL: return PACK_NIBBLES + PACK_HALVES;
    case SL_TYPE_IQ4_XS: return PACK_NIBBLES + PACK_OCTETS;
    case SL_TYPE_F16:
    case SL_TYPE_BF16: return PACK_FLOAT16;
    case SL_TYPE_F32:
    case SL_TYPE_Q8_1:
    case SL_TYPE_Q8_K: return 0;
    }
    return 0;
}

static inline __attribute__((always_inline)) int sl_layout_header(const sl_type type) {
    return type == SL_TYPE_Q4_K || type == SL_TYPE_Q5_K ? 2 * PACK_FLOATS
         : type == SL_TYPE_Q6_K || type == SL_TYPE_IQ4_XS ? PACK_FLOATS : 0;
}

/// The formats of 256-column super-blocks with a per-row header: the K-quants and IQ4_XS.
static inline __attribute__((always_inline)) int sl_has_super_blocks(const sl_type type) {
    return type == SL_TYPE_Q4_K || type == SL_TYPE_Q5_K || type == SL_TYPE_Q6_K || type == SL_TYPE_IQ4_XS;
}

static inline __attribute__((always_inline)) int sl_has_fifth_bit(const sl_type type) {
    return type == SL_TYPE_Q5_0 || type == SL_TYPE_Q5_1 || type == SL_TYPE_Q5_K;
}

/// The formats whose nibbles index sl_iq4nl_values.
static inline __attribute__((always_inline)) int sl_is_iq4(const sl_type type) {
    return type == SL_TYPE_IQ4_NL || type == SL_TYPE_IQ4_XS;
}

/// sl_iq4nl_values[q] + 128: the unsigned weight vpdpbusd multiplies for index q.
static inline int sl_iq4_unsigned(int q) { return sl_iq4nl_values[q] + 128; }

/// f32 to bf16 as vcvtneps2bf16 and vdpbf16ps see values: subnormals (and zeros) become signed zeros,
/// NaNs stay quiet NaNs, the rest round to nearest even (Intel SDM, convert_fp32_to_bfloat16).
static inline uint16_t sl_bf16_round_daz(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7F800000u) == 0) return (uint16_t)((x >> 16) & 0x8000u);
    if ((x & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((x >> 16) | 0x40);
    return (uint16_t)((x + 0x7FFFu + ((x >> 16) & 1u)) >> 16);
}

/// The n >= 0 by which SL_ACT_F16_PRODUCTS scales a token down (x * 2^-n): the smallest that brings its
/// largest magnitude `amax` to at most SL_F16_PRODUCTS_LIMIT; 0 for infinite or NaN rows, which stay so.
static inline int sl_f16_products_shift(float amax) {
    if (!(amax > SL_F16_PRODUCTS_LIMIT) || amax == INFINITY) return 0;
    int e;
    // amax / limit (exact: a power of two) = m * 2^e with m in [0.5, 1): 2^e is at least it, 2^(e-1) too when m = 0.5.
    const float m = frexpf(amax / SL_F16_PRODUCTS_LIMIT, &e);
    return m == 0.5f ? e - 1 : e;
}

/// Computes rows [0, nrows) of group `group` for every token of `a` into y[t * ldy + r].
typedef void (*sl_gemm_group_fn)(const sl_packed_matrix *m, int64_t group, const sl_qact *a, float *y,
                                 int64_t ldy, int nrows, int accumulate);
/// Quantizes one row of `cols` floats into token row `t` of `a`.
typedef void (*sl_quantize_row_fn)(const float *x, sl_qact *a, int64_t t);

/// One block (32 columns) of one GGUF row, read into the values the packed layout stores.
typedef struct {
    uint8_t q[32];      // quants as the packed block stores them: 0...15 (IQ4: indices), 31, 63, or 255 (Q8_0 plus 128)
    uint16_t w16[32];   // the 16-bit float weights (F16, BF16)
    uint16_t half[2];   // per-block f16 values: d, and m (Q4_1, Q5_1)
    uint8_t octet[2];   // per-block 8-bit values: scale and min (Q4_K, Q5_K), lo and hi scales (Q6_K), ls - 32 (IQ4_XS)
    float super[2];     // the super-block's d and dmin (K-quants, IQ4_XS)
} sl_source_block;

/// Reads block `b` (columns 32b...) of a GGUF row of the layout's type.
typedef void (*sl_read_block_fn)(const void *row, int64_t b, sl_source_block *out);

/// Where each part of a block lives; 0 for parts the layout does not have (quants always start at 0).
typedef struct {
    sl_type type;
    sl_act_format act;    // how this type's activations are quantized
    int bits;             // bits per quant: 4, 5, 6 or 8, or 16 for the float types
    int blocks_per_super; // 1, or PACK_SUPER for the super-block formats
    int header;           // bytes of the super-block header (PACK_FLOATS per float field)
    int h5, h6;           // offsets of the 5th bits / top two bits, or 0
    int halves, octets;   // offsets of the 16-bit / 8-bit per-block values, or 0
    int num_halves, num_octets, num_super; // how many fields of each (0...2)
    int stride;           // bytes per block
    sl_read_block_fn read_block;
    sl_gemm_group_fn kernel_avx512; // NULL where the level has none
    int avx512_needs;               // CPU features the AVX-512 kernel needs beyond the level's (SL_CPU_...)
    sl_gemm_group_fn kernel_avx2;   // NULL where the level has none
} sl_packed_layout;

/// The layout of `type`, or NULL when it has none.
const sl_packed_layout *sl_packed_layout_of(sl_type type);

/// Block `b` of group `group`, and the header of the super-block it belongs to.
static inline uint8_t *sl_packed_block(const sl_packed_matrix *m, const sl_packed_layout *l, int64_t group,
                                       int64_t b) {
    const int64_t nb = m->cols / 32;
    const int64_t super_bytes = l->header + (int64_t)l->blocks_per_super * l->stride;
    uint8_t *g = (uint8_t *)m->data + (size_t)group * (size_t)(nb / l->blocks_per_super) * (size_t)super_bytes;
    return g + (b / l->blocks_per_super) * super_bytes + l->header + (b % l->blocks_per_super) * l->stride;
}

/// The super-block header that block `b` (the first of its super-block or not) follows.
static inline const float *sl_packed_header(const uint8_t *block, const sl_packed_layout *l, int64_t b) {
    return (const float *)(block - (b % l->blocks_per_super) * l->stride - l->header);
}

void sl_gemm_group_ref(const sl_packed_matrix *m, int64_t group, const sl_qact *a, float *y, int64_t ldy,
                       int nrows, int accumulate);
/// The reference of F16 weights over SL_ACT_F16_PRODUCTS activations: fp16 products and chains, emulated exactly.
void sl_gemm_group_f16_products_ref(const sl_packed_matrix *m, int64_t group, const sl_qact *a, float *y, int64_t ldy,
                                  int nrows, int accumulate);
void sl_quantize_act_row_ref(const float *x, sl_qact *a, int64_t t);
/// out = silu(gate) * up over n floats; the AVX-512 version uses its own exp (within 2 ulp of expf).
void sl_swiglu_row_ref(const float *gate, const float *up, float *out, int64_t n);

#if defined(__x86_64__)
// AVX-512 VNNI group kernels (arch/x86/gemm_avx512.c; F16 and BF16 in gemm_avx512_float.c), one per layout.
#define SL_GROUP_KERNEL(name)                                                                                      \
    void name(const sl_packed_matrix *m, int64_t group, const sl_qact *a, float *y, int64_t ldy, int nrows,       \
              int accumulate);
SL_GROUP_KERNEL(sl_gemm_group_q4_0_avx512)
SL_GROUP_KERNEL(sl_gemm_group_q4_1_avx512)
SL_GROUP_KERNEL(sl_gemm_group_q5_0_avx512)
SL_GROUP_KERNEL(sl_gemm_group_q5_1_avx512)
SL_GROUP_KERNEL(sl_gemm_group_q8_0_avx512)
SL_GROUP_KERNEL(sl_gemm_group_q4_K_avx512)
SL_GROUP_KERNEL(sl_gemm_group_q5_K_avx512)
SL_GROUP_KERNEL(sl_gemm_group_q6_K_avx512)
SL_GROUP_KERNEL(sl_gemm_group_iq4_nl_avx512)
SL_GROUP_KERNEL(sl_gemm_group_iq4_xs_avx512)
SL_GROUP_KERNEL(sl_gemm_group_f16_avx512)
SL_GROUP_KERNEL(sl_gemm_group_bf16_avx512) // vdpbf16ps: needs SL_CPU_AVX512BF16
SL_GROUP_KERNEL(sl_gemm_group_f16_products_avx512) // F16 over SL_ACT_F16_PRODUCTS, vfmadd231ph: needs SL_CPU_AVX512FP16
#undef SL_GROUP_KERNEL
void sl_quantize_act_row_avx512(const float *x, sl_qact *a, int64_t t);
/// SL_ACT_F16_PRODUCTS's quantizer (arch/x86/gemm_avx512_fp16.c), bit-identical to the reference.
void sl_quantize_f16_products_row_avx512(const float *x, sl_qact *a, int64_t t);
void sl_swiglu_row_avx512(const float *gate, const float *up, float *out, int64_t n);

// AVX2 group kernels (arch/x86/gemm_avx2.c; F16 and BF16 in gemm_avx2_float.c), one per layout, for CPUs without AVX-512 VNNI.
#define SL_GROUP_KERNEL(name)                                                                                      \
    void name(const sl_packed_matrix *m, int64_t group, const sl_qact *a, float *y, int64_t ldy, int nrows,       \
              int accumulate);
SL_GROUP_KERNEL(sl_gemm_group_q4_0_avx2)
SL_GROUP_KERNEL(sl_gemm_group_q4_1_avx2)
SL_GROUP_KERNEL(sl_gemm_group_q5_0_avx2)
SL_GROUP_KERNEL(sl_gemm_group_q5_1_avx2)
SL_GROUP_KERNEL(sl_gemm_group_q8_0_avx2)
SL_GROUP_KERNEL(sl_gemm_group_q4_K_avx2)
SL_GROUP_KERNEL(sl_gemm_group_q5_K_avx2)
SL_GROUP_KERNEL(sl_gemm_group_q6_K_avx2)
SL_GROUP_KERNEL(sl_gemm_group_iq4_nl_avx2)
SL_GROUP_KERNEL(sl_gemm_group_iq4_xs_avx2)
SL_GROUP_KERNEL(sl_gemm_group_f16_avx2)
SL_GROUP_KERNEL(sl_gemm_group_bf16_avx2)
#undef SL_GROUP_KERNEL
/// Bit-identical to sl_quantize_act_row_ref (every format).
void sl_quantize_act_row_avx2(const float *x, sl_qact *a, int64_t t);
/// silu(gate) * up with a vector e^x (within 2 ulp of expf, as sl_swiglu_row_avx512).
void sl_swiglu_row_avx2(const float *gate, const float *up, float *out, int64_t n);
#endif
