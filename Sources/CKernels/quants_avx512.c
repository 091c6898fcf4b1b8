// AVX-512 kernels: VNNI (vpdpbusd) dot products of the 32-element block
// formats, two blocks per 512-bit register.
// The other types keep their AVX2 kernels at this level: for the K-quants, with
// one scale per 32 quants, vpdpbusd plus a 32-bit multiply is no cheaper than
// maddubs plus madd; for F16 / F32, 16-wide versions measured no faster here.
#include "quants_avx2_common.h"
#if defined(__x86_64__)

#define SL_AVX512 __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))

static inline SL_AVX512 __m512i join256(__m256i lo, __m256i hi) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

/// d0 in lanes 0...7 (the first block's sums), d1 in lanes 8...15.
static inline SL_AVX512 __m512 two_scales(float d0, float d1) {
    return _mm512_mask_blend_ps(0xFF00, _mm512_set1_ps(d0), _mm512_set1_ps(d1));
}

/// Σ of 4 adjacent u8 * i8 products per int32 lane.
static inline SL_AVX512 __m512i dot_u8_i8_512(__m512i u, __m512i s) {
    return _mm512_dpbusd_epi32(_mm512_setzero_si512(), u, s);
}

/// Σ of 4 adjacent (u8 - offset) * i8 products per int32 lane.
static inline SL_AVX512 __m512i dot_u8_offset_i8_512(__m512i u, int8_t offset, __m512i s) {
    return _mm512_sub_epi32(dot_u8_i8_512(u, s), dot_u8_i8_512(_mm512_set1_epi8(offset), s));
}

/// As dot_u8_i8_512 for two signed vectors: |x| times y with x's sign.
static inline SL_AVX512 __m512i dot_i8_i8_512(__m512i x, __m512i y) {
    const __mmask64 negative = _mm512_movepi8_mask(x);
    const __m512i signed_y = _mm512_mask_sub_epi8(y, negative, _mm512_setzero_si512(), y);
    return dot_u8_i8_512(_mm512_abs_epi8(x), signed_y);
}

/// Byte i is 0x10 where bit i of the block's qh is set.
static inline SL_AVX512 __m256i fifth_bits_512(const uint8_t qh_bytes[4]) {
    uint32_t bits;
    memcpy(&bits, qh_bytes, 4);
    return _mm256_maskz_mov_epi8(bits, _mm256_set1_epi8(0x10));
}

// Blocks go in pairs, in two accumulators; an odd last block is paired with zeros and a zero scale.
#define PAIR_STEP(i, pair, X_OF, Y_OF, SCALE_OF, DOT, acc)                                        \
    do {                                                                                          \
        const __m512i xv = join256(X_OF(i), (pair) ? X_OF((i) + 1) : _mm256_setzero_si256());    \
        const __m512i yv = join256(Y_OF(i), (pair) ? Y_OF((i) + 1) : _mm256_setzero_si256());    \
        const __m512 d = two_scales(SCALE_OF(i), (pair) ? SCALE_OF((i) + 1) : 0.0f);              \
        acc = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(DOT(xv, yv)), acc);                           \
    } while (0)
#define PAIR_LOOP(nb, X_OF, Y_OF, SCALE_OF, DOT)                                                  \
    __m512 acc0 = _mm512_setzero_ps(), acc1 = acc0;                                               \
    int i = 0;                                                                                    \
    for (; i + 3 < (nb); i += 4) {                                                                \
        PAIR_STEP(i, 1, X_OF, Y_OF, SCALE_OF, DOT, acc0);                                         \
        PAIR_STEP(i + 2, 1, X_OF, Y_OF, SCALE_OF, DOT, acc1);                                     \
    }                                                                                             \
    for (; i < (nb); i += 2) PAIR_STEP(i, i + 1 < (nb), X_OF, Y_OF, SCALE_OF, DOT, acc0);         \
    const float vector_sum = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));

#define Y_QS(b) _mm256_loadu_si256((const __m256i *)y[b].qs)
#define D_XY(b) (half_product(x[b].d, y[b].d))

void SL_AVX512 sl_vec_dot_q4_0_q8_0_avx512(int n, float *s, const void *vx, const void *vy) {
    const block_q4_0 *x = vx;
    const block_q8_0 *y = vy;
#define X_Q4(b) unpack_nibbles(x[b].qs)
#define DOT_Q4_0(xv, yv) dot_u8_offset_i8_512(xv, 8, yv)
    PAIR_LOOP(n / QK8_0, X_Q4, Y_QS, D_XY, DOT_Q4_0)
    *s = vector_sum;
}

// Q4_1 / Q5_1: as PAIR_LOOP, and the offsets m * s of both blocks go into lane 0, off the accumulator's chain.
#define PAIR_STEP_WITH_OFFSETS(i, pair, X_OF, DOT, acc)                                           \
    do {                                                                                          \
        const __m512i xv = join256(X_OF(i), (pair) ? X_OF((i) + 1) : _mm256_setzero_si256());    \
        const __m512i yv = join256(Y_QS(i), (pair) ? Y_QS((i) + 1) : _mm256_setzero_si256());    \
        const __m128 so0 = scale_and_offset(&x[i], &y[i]);                                       \
        const __m128 so1 = (pair) ? scale_and_offset(&x[(i) + 1], &y[(i) + 1]) : _mm_setzero_ps(); \
        const __m512 d = _mm512_mask_blend_ps(0xFF00, _mm512_broadcastss_ps(so0), _mm512_broadcastss_ps(so1)); \
        const __m512 offsets = _mm512_zextps128_ps512(lane1_alone(_mm_add_ps(so0, so1)));       \
        acc = _mm512_add_ps(acc, _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(DOT(xv, yv)), offsets));   \
    } while (0)
#define PAIR_LOOP_WITH_OFFSETS(nb, X_OF, DOT)                                                     \
    __m512 acc0 = _mm512_setzero_ps(), acc1 = acc0;                                               \
    int i = 0;                                                                                    \
    for (; i + 3 < (nb); i += 4) {                                                                \
        PAIR_STEP_WITH_OFFSETS(i, 1, X_OF, DOT, acc0);                                            \
        PAIR_STEP_WITH_OFFSETS(i + 2, 1, X_OF, DOT, acc1);                                        \
    }                                                                                             \
    for (; i < (nb); i += 2) PAIR_STEP_WITH_OFFSETS(i, i + 1 < (nb), X_OF, DOT, acc0);            \
    const float vector_sum = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));

void SL_AVX512 sl_vec_dot_q4_1_q8_1_avx512(int n, float *s, const void *vx, const void *vy) {
    const block_q4_1 *x = vx;
    const block_q8_1 *y = vy;
    PAIR_LOOP_WITH_OFFSETS(n / QK8_1, X_Q4, dot_u8_i8_512)
    *s = vector_sum;
}

void SL_AVX512 sl_vec_dot_q5_0_q8_0_avx512(int n, float *s, const void *vx, const void *vy) {
    const block_q5_0 *x = vx;
    const block_q8_0 *y = vy;
#define X_Q5(b) _mm256_or_si256(unpack_nibbles(x[b].qs), fifth_bits_512(x[b].qh))
#define DOT_Q5_0(xv, yv) dot_u8_offset_i8_512(xv, 16, yv)
    PAIR_LOOP(n / QK8_0, X_Q5, Y_QS, D_XY, DOT_Q5_0)
    *s = vector_sum;
}

void SL_AVX512 sl_vec_dot_q5_1_q8_1_avx512(int n, float *s, const void *vx, const void *vy) {
    const block_q5_1 *x = vx;
    const block_q8_1 *y = vy;
    PAIR_LOOP_WITH_OFFSETS(n / QK8_1, X_Q5, dot_u8_i8_512)
    *s = vector_sum;
}

void SL_AVX512 sl_vec_dot_q8_0_q8_0_avx512(int n, float *s, const void *vx, const void *vy) {
    const block_q8_0 *x = vx;
    const block_q8_0 *y = vy;
#define X_Q8(b) _mm256_loadu_si256((const __m256i *)x[b].qs)
    PAIR_LOOP(n / QK8_0, X_Q8, Y_QS, D_XY, dot_i8_i8_512)
    *s = vector_sum;
}

#endif
