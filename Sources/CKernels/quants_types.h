// Block layouts of the GGUF quantized formats (byte-exact with ggml's), and the
// internal kernel declarations shared by the reference and SIMD files.
#pragma once
#include <stdint.h>
#include <string.h>
#include "include/sl_quants.h"

#define QK4_0 32
#define QK4_1 32
#define QK5_0 32
#define QK5_1 32
#define QK8_0 32
#define QK8_1 32
#define QK4_NL 32
#define QK_K 256
#define K_SCALE_SIZE 12

/// Q4_0: x = (q - 8) * d, q in 0...15; element j is the low nibble of qs[j], element j+16 the high one.
typedef struct { uint16_t d; uint8_t qs[QK4_0 / 2]; } block_q4_0;
/// Q4_1: x = q * d + m.
typedef struct { uint16_t d; uint16_t m; uint8_t qs[QK4_1 / 2]; } block_q4_1;
/// Q5_0: x = (q - 16) * d; bit j of qh is the 5th bit of element j.
typedef struct { uint16_t d; uint8_t qh[4]; uint8_t qs[QK5_0 / 2]; } block_q5_0;
/// Q5_1: x = q * d + m.
typedef struct { uint16_t d; uint16_t m; uint8_t qh[4]; uint8_t qs[QK5_1 / 2]; } block_q5_1;
/// Q8_0: x = q * d.
typedef struct { uint16_t d; int8_t qs[QK8_0]; } block_q8_0;
/// Q8_1: x = q * d; s = d * sum(q), so offsets of Q4_1/Q5_1 cost one multiply per block.
typedef struct { uint16_t d; uint16_t s; int8_t qs[QK8_1]; } block_q8_1;
/// Q4_K: 8 sub-blocks of 32 with 6-bit scales and mins packed in `scales`; x = d*sc*q - dmin*m.
typedef struct { uint16_t d; uint16_t dmin; uint8_t scales[K_SCALE_SIZE]; uint8_t qs[QK_K / 2]; } block_q4_K;
/// Q5_K: as Q4_K with a 5th bit per element in qh.
typedef struct { uint16_t d; uint16_t dmin; uint8_t scales[K_SCALE_SIZE]; uint8_t qh[QK_K / 8]; uint8_t qs[QK_K / 2]; } block_q5_K;
/// Q6_K: 16 sub-blocks of 16 with int8 scales; x = d * sc * (q - 32), q 6 bits split over ql (low 4) and qh (high 2).
typedef struct { uint8_t ql[QK_K / 2]; uint8_t qh[QK_K / 4]; int8_t scales[QK_K / 16]; uint16_t d; } block_q6_K;
/// Q8_K: activations for the K-quants; f32 scale and the sums of each 16 quants.
typedef struct { float d; int8_t qs[QK_K]; int16_t bsums[QK_K / 16]; } block_q8_K;
/// IQ4_NL: x = d * sl_iq4nl_values[q], q in 0...15 laid out as Q4_0's (ggml-common.h's block_iq4_nl).
typedef struct { uint16_t d; uint8_t qs[QK4_NL / 2]; } block_iq4_nl;
/// IQ4_XS: 8 sub-blocks of 32, each IQ4_NL-coded with a 6-bit scale ls (low 4 bits in scales_l, nibble
/// j % 2 of byte j / 2; top 2 bits at bits 2j...2j+1 of scales_h): x = d * (ls - 32) * sl_iq4nl_values[q]
/// (ggml-common.h's block_iq4_xs, ggml-quants.c's dequantize_row_iq4_xs).
typedef struct { uint16_t d; uint16_t scales_h; uint8_t scales_l[QK_K / 64]; uint8_t qs[QK_K / 2]; } block_iq4_xs;

_Static_assert(sizeof(block_q4_0) == 18, "block_q4_0 layout");
_Static_assert(sizeof(block_q4_1) == 20, "block_q4_1 layout");
_Static_assert(sizeof(block_q5_0) == 22, "block_q5_0 layout");
_Static_assert(sizeof(block_q5_1) == 24, "block_q5_1 layout");
_Static_assert(sizeof(block_q8_0) == 34, "block_q8_0 layout");
_Static_assert(sizeof(block_q8_1) == 36, "block_q8_1 layout");
_Static_assert(sizeof(block_q4_K) == 144, "block_q4_K layout");
_Static_assert(sizeof(block_q5_K) == 176, "block_q5_K layout");
_Static_assert(sizeof(block_q6_K) == 210, "block_q6_K layout");
_Static_assert(sizeof(block_q8_K) == 292, "block_q8_K layout");
_Static_assert(sizeof(block_iq4_nl) == 18, "block_iq4_nl layout");
_Static_assert(sizeof(block_iq4_xs) == 136, "block_iq4_xs layout");

/// The 16 levels of IQ4_NL and IQ4_XS, a non-linear grid (llama.cpp's kvalues_iq4nl in ggml-common.h).
/// All fit int8, so kernels look them up with a byte shuffle.
static const int8_t sl_iq4nl_values[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

/// The signed scale ls - 32 (-32...31) of sub-block j (0...7) of an IQ4_XS block.
static inline int sl_iq4_xs_scale(const block_iq4_xs *b, int j) {
    const int ls = ((b->scales_l[j / 2] >> (4 * (j % 2))) & 0xF) | ((b->scales_h >> (2 * j)) & 3) << 4;
    return ls - 32;
}

/// Exact half -> float, inlined into the kernels (one call per block).
static inline float sl_half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1F;
    uint32_t mant = h & 0x3FF;
    uint32_t bits;
    if (exp == 0x1F) {
        bits = sign | 0x7F800000u | (mant << 13);
    } else if (exp != 0) {
        bits = sign | ((exp + 112) << 23) | (mant << 13);
    } else if (mant == 0) {
        bits = sign;
    } else {
        // Subnormal: normalize the mantissa; value = mant * 2^-24.
        int shift = __builtin_clz(mant) - 21; // bring the top set bit to bit 10
        mant = (mant << shift) & 0x3FF;
        bits = sign | ((uint32_t)(113 - shift) << 23) | (mant << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/// The 6-bit scale and min of sub-block j (0...7) of a Q4_K / Q5_K block.
static inline void sl_k_scale_min(int j, const uint8_t *q, uint8_t *sc, uint8_t *m) {
    if (j < 4) {
        *sc = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *sc = (uint8_t)((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        *m = (uint8_t)((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

/// The CPU's features as limited by sl_kernels_init's mask: the kernels chosen may use these.
int sl_enabled_features(void);

// Reference kernels (quants_ref.c, quants_ref_k.c).
void sl_to_float_f32(const void *src, float *dst, int64_t n);
void sl_to_float_f16(const void *src, float *dst, int64_t n);
void sl_to_float_bf16(const void *src, float *dst, int64_t n);
void sl_to_float_q4_0(const void *src, float *dst, int64_t n);
void sl_to_float_q4_1(const void *src, float *dst, int64_t n);
void sl_to_float_q5_0(const void *src, float *dst, int64_t n);
void sl_to_float_q5_1(const void *src, float *dst, int64_t n);
void sl_to_float_q8_0(const void *src, float *dst, int64_t n);
void sl_to_float_q8_1(const void *src, float *dst, int64_t n);
void sl_to_float_q4_K(const void *src, float *dst, int64_t n);
void sl_to_float_q5_K(const void *src, float *dst, int64_t n);
void sl_to_float_q6_K(const void *src, float *dst, int64_t n);
void sl_to_float_q8_K(const void *src, float *dst, int64_t n);
void sl_to_float_iq4_nl(const void *src, float *dst, int64_t n);
void sl_to_float_iq4_xs(const void *src, float *dst, int64_t n);

void sl_from_float_f32(const float *src, void *dst, int64_t n);
void sl_from_float_f16(const float *src, void *dst, int64_t n);
void sl_from_float_bf16(const float *src, void *dst, int64_t n);
void sl_from_float_q4_0_ref(const float *src, void *dst, int64_t n);
void sl_from_float_q4_1_ref(const float *src, void *dst, int64_t n);
void sl_from_float_q5_0_ref(const float *src, void *dst, int64_t n);
void sl_from_float_q5_1_ref(const float *src, void *dst, int64_t n);
void sl_from_float_q8_0_ref(const float *src, void *dst, int64_t n);
void sl_from_float_q8_1_ref(const float *src, void *dst, int64_t n);
void sl_from_float_q8_K_ref(const float *src, void *dst, int64_t n);

void sl_vec_dot_f32_ref(int n, float *s, const void *x, const void *y);
void sl_vec_dot_f16_ref(int n, float *s, const void *x, const void *y);
void sl_vec_dot_bf16_ref(int n, float *s, const void *x, const void *y);
void sl_vec_dot_q4_0_q8_0_ref(int n, float *s, const void *x, const void *y);
void sl_vec_dot_q4_1_q8_1_ref(int n, float *s, const void *x, const void *y);
void sl_vec_dot_q5_0_q8_0_ref(int n, float *s, const void *x, const void *y);
void sl_vec_dot_q5_1_q8_1_ref(int n, float *s, const void *x, const void *y);
void sl_vec_dot_q8_0_q8_0_ref(int n, float *s, const void *x, const void *y);
void sl_vec_dot_q4_K_q8_K_ref(int n, float *s, const void *x, const void *y);
void sl_vec_dot_q5_K_q8_K_ref(int n, float *s, const void *x, const void *y);
void sl_vec_dot_q6_K_q8_K_ref(int n, float *s, const void *x, const void *y);
void sl_vec_dot_iq4_nl_q8_0_ref(int n, float *s, const void *x, const void *y);
void sl_vec_dot_iq4_xs_q8_K_ref(int n, float *s, const void *x, const void *y);

#if defined(__x86_64__)
// AVX2 + FMA + F16C kernels (quants_avx2.c, quants_avx2_k.c).
void sl_vec_dot_f32_avx2(int n, float *s, const void *x, const void *y);
void sl_vec_dot_f16_avx2(int n, float *s, const void *x, const void *y);
void sl_vec_dot_bf16_avx2(int n, float *s, const void *x, const void *y);
void sl_vec_dot_q4_0_q8_0_avx2(int n, float *s, const void *x, const void *y);
void sl_vec_dot_q4_1_q8_1_avx2(int n, float *s, const void *x, const void *y);
void sl_vec_dot_q5_0_q8_0_avx2(int n, float *s, const void *x, const void *y);
void sl_vec_dot_q5_1_q8_1_avx2(int n, float *s, const void *x, const void *y);
void sl_vec_dot_q8_0_q8_0_avx2(int n, float *s, const void *x, const void *y);
void sl_vec_dot_q4_K_q8_K_avx2(int n, float *s, const void *x, const void *y);
void sl_vec_dot_q5_K_q8_K_avx2(int n, float *s, const void *x, const void *y);
void sl_vec_dot_q6_K_q8_K_avx2(int n, float *s, const void *x, const void *y);
void sl_vec_dot_iq4_nl_q8_0_avx2(int n, float *s, const void *x, const void *y);
void sl_vec_dot_iq4_xs_q8_K_avx2(int n, float *s, const void *x, const void *y);
void sl_from_float_q8_0_avx2(const float *src, void *dst, int64_t n);
void sl_from_float_q8_1_avx2(const float *src, void *dst, int64_t n);
void sl_from_float_q8_K_avx2(const float *src, void *dst, int64_t n);

// AVX-512 (F, BW, VL, VNNI) kernels (quants_avx512.c).
void sl_vec_dot_q4_0_q8_0_avx512(int n, float *s, const void *x, const void *y);
void sl_vec_dot_q4_1_q8_1_avx512(int n, float *s, const void *x, const void *y);
void sl_vec_dot_q5_0_q8_0_avx512(int n, float *s, const void *x, const void *y);
void sl_vec_dot_q5_1_q8_1_avx512(int n, float *s, const void *x, const void *y);
void sl_vec_dot_q8_0_q8_0_avx512(int n, float *s, const void *x, const void *y);
#endif
