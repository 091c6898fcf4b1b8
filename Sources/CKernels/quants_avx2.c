// AVX2 kernels of the float types and the 32-element block formats, and the
// AVX2 activation quantizers (bit-identical to the reference ones).
#include "quants_avx2_common.h"
#if defined(__x86_64__)
#include <math.h>

// MARK: - Float dot products

void SL_AVX2 sl_vec_dot_f32_avx2(int n, float *s, const void *vx, const void *vy) {
    const float *x = vx, *y = vy;
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        for (int k = 0; k < 4; k++)
            acc[k] = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8 * k), _mm256_loadu_ps(y + i + 8 * k), acc[k]);
    }
    for (; i + 8 <= n; i += 8) acc[0] = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), acc[0]);
    float tail = 0;
    for (; i < n; i++) tail += x[i] * y[i];
    *s = hsum_ps(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]))) + tail;
}

static inline SL_AVX2 __m256 load_f16x8(const uint16_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }

void SL_AVX2 sl_vec_dot_f16_avx2(int n, float *s, const void *vx, const void *vy) {
    const uint16_t *x = vx, *y = vy;
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        for (int k = 0; k < 4; k++)
            acc[k] = _mm256_fmadd_ps(load_f16x8(x + i + 8 * k), load_f16x8(y + i + 8 * k), acc[k]);
    }
    for (; i + 8 <= n; i += 8) acc[0] = _mm256_fmadd_ps(load_f16x8(x + i), load_f16x8(y + i), acc[0]);
    float tail = 0;
    for (; i < n; i++) tail += half_product(x[i], y[i]);
    *s = hsum_ps(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]))) + tail;
}

static inline SL_AVX2 __m256 load_bf16x8(const uint16_t *p) {
    const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
}

void SL_AVX2 sl_vec_dot_bf16_avx2(int n, float *s, const void *vx, const void *vy) {
    const uint16_t *x = vx, *y = vy;
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        for (int k = 0; k < 4; k++)
            acc[k] = _mm256_fmadd_ps(load_bf16x8(x + i + 8 * k), load_bf16x8(y + i + 8 * k), acc[k]);
    }
    for (; i + 8 <= n; i += 8) acc[0] = _mm256_fmadd_ps(load_bf16x8(x + i), load_bf16x8(y + i), acc[0]);
    float tail = 0;
    for (; i < n; i++) tail += sl_bf16_to_fp32(x[i]) * sl_bf16_to_fp32(y[i]);
    *s = hsum_ps(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]))) + tail;
}

// MARK: - Block dot products
// Each block gives 8 int32 partial sums; they are scaled in float and accumulated
// in two independent registers (even and odd blocks) to hide the FMA latency.

#define BLOCK_LOOP(nb, ACC_BLOCK)                      \
    __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0;    \
    int i = 0;                                         \
    for (; i + 1 < (nb); i += 2) {                     \
        acc0 = ACC_BLOCK(i, acc0);                     \
        acc1 = ACC_BLOCK(i + 1, acc1);                 \
    }                                                  \
    if (i < (nb)) acc0 = ACC_BLOCK(i, acc0);           \
    const float vector_sum = hsum_ps(_mm256_add_ps(acc0, acc1));

static inline SL_AVX2 __m256 scaled(__m256i sumi, float d, __m256 acc) {
    return _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
}

static inline SL_AVX2 __m256i load_q8(const int8_t *qs) { return _mm256_loadu_si256((const __m256i *)qs); }

void SL_AVX2 sl_vec_dot_q4_0_q8_0_avx2(int n, float *s, const void *vx, const void *vy) {
    const block_q4_0 *x = vx;
    const block_q8_0 *y = vy;
#define Q4_0_BLOCK(b, acc)                                                                         \
    scaled(dot_i8_i8(_mm256_sub_epi8(unpack_nibbles(x[b].qs), _mm256_set1_epi8(8)), load_q8(y[b].qs)), \
           half_product(x[b].d, y[b].d), acc)
    BLOCK_LOOP(n / QK8_0, Q4_0_BLOCK)
#undef Q4_0_BLOCK
    *s = vector_sum;
}

/// Adds a Q4_1 / Q5_1 block: d * sumi in the lanes and the offset m * s in lane 0, off the accumulator's chain.
static inline SL_AVX2 __m256 scaled_with_offset(__m256i sumi, __m128 scale_offset, __m256 acc) {
    const __m256 block = _mm256_fmadd_ps(_mm256_broadcastss_ps(scale_offset), _mm256_cvtepi32_ps(sumi),
                                         _mm256_zextps128_ps256(lane1_alone(scale_offset)));
    return _mm256_add_ps(acc, block);
}

void SL_AVX2 sl_vec_dot_q4_1_q8_1_avx2(int n, float *s, const void *vx, const void *vy) {
    const block_q4_1 *x = vx;
    const block_q8_1 *y = vy;
#define Q4_1_BLOCK(b, acc) \
    scaled_with_offset(dot_u8_i8(unpack_nibbles(x[b].qs), load_q8(y[b].qs)), scale_and_offset(&x[b], &y[b]), acc)
    BLOCK_LOOP(n / QK8_1, Q4_1_BLOCK)
#undef Q4_1_BLOCK
    *s = vector_sum;
}

void SL_AVX2 sl_vec_dot_q5_0_q8_0_avx2(int n, float *s, const void *vx, const void *vy) {
    const block_q5_0 *x = vx;
    const block_q8_0 *y = vy;
#define Q5_0_BLOCK(b, acc)                                                                                        \
    scaled(dot_i8_i8(_mm256_sub_epi8(_mm256_or_si256(unpack_nibbles(x[b].qs), fifth_bits(x[b].qh)), _mm256_set1_epi8(16)), \
                     load_q8(y[b].qs)),                                                                           \
           half_product(x[b].d, y[b].d), acc)
    BLOCK_LOOP(n / QK8_0, Q5_0_BLOCK)
#undef Q5_0_BLOCK
    *s = vector_sum;
}

void SL_AVX2 sl_vec_dot_q5_1_q8_1_avx2(int n, float *s, const void *vx, const void *vy) {
    const block_q5_1 *x = vx;
    const block_q8_1 *y = vy;
#define Q5_1_BLOCK(b, acc)                                                                         \
    scaled_with_offset(dot_u8_i8(_mm256_or_si256(unpack_nibbles(x[b].qs), fifth_bits(x[b].qh)), load_q8(y[b].qs)), \
                       scale_and_offset(&x[b], &y[b]), acc)
    BLOCK_LOOP(n / QK8_1, Q5_1_BLOCK)
#undef Q5_1_BLOCK
    *s = vector_sum;
}

void SL_AVX2 sl_vec_dot_q8_0_q8_0_avx2(int n, float *s, const void *vx, const void *vy) {
    const block_q8_0 *x = vx;
    const block_q8_0 *y = vy;
#define Q8_0_BLOCK(b, acc) \
    scaled(dot_i8_i8(load_q8(x[b].qs), load_q8(y[b].qs)), half_product(x[b].d, y[b].d), acc)
    BLOCK_LOOP(n / QK8_0, Q8_0_BLOCK)
#undef Q8_0_BLOCK
    *s = vector_sum;
}

// MARK: - Activation quantizers

static inline SL_AVX2 __m256 abs_ps(__m256 v) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v); }

static inline SL_AVX2 float hmax_ps(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

/// max |x| over `n` (a multiple of 8) floats.
static inline SL_AVX2 float absmax(const float *x, int n) {
    __m256 m = _mm256_setzero_ps();
    for (int j = 0; j < n; j += 8) m = _mm256_max_ps(m, abs_ps(_mm256_loadu_ps(x + j)));
    return hmax_ps(m);
}

/// Four vectors of 8 int32 (each in int8 range) -> 32 int8 in order.
static inline SL_AVX2 __m256i pack_to_i8(__m256i a, __m256i b, __m256i c, __m256i d) {
    const __m256i words = _mm256_packs_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d));
    return _mm256_permutevar8x32_epi32(words, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

/// Quantizes 32 floats with multiplier `id`, rounding half to even; returns the quants' sum.
static inline SL_AVX2 int quantize_32_even(const float *x, float id, int8_t *out) {
    const __m256 mul = _mm256_set1_ps(id);
    __m256i q[4];
    for (int k = 0; k < 4; k++)
        q[k] = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(x + 8 * k), mul), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    _mm256_storeu_si256((__m256i *)out, pack_to_i8(q[0], q[1], q[2], q[3]));
    return hsum_epi32(_mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3])));
}

void SL_AVX2 sl_from_float_q8_0_avx2(const float *x, void *dst, int64_t n) {
    block_q8_0 *b = dst;
    for (int64_t i = 0; i < n / QK8_0; i++, x += QK8_0) {
        const float amax = absmax(x, QK8_0);
        const float d = amax / 127;
        const float id = amax != 0 ? 127.0f / amax : 0.0f;
        b[i].d = sl_fp32_to_fp16(d);
        quantize_32_even(x, id, b[i].qs);
    }
}

void SL_AVX2 sl_from_float_q8_1_avx2(const float *x, void *dst, int64_t n) {
    block_q8_1 *b = dst;
    for (int64_t i = 0; i < n / QK8_1; i++, x += QK8_1) {
        const float amax = absmax(x, QK8_1);
        const float d = amax / 127;
        const float id = amax != 0 ? 127.0f / amax : 0.0f;
        b[i].d = sl_fp32_to_fp16(d);
        const int sum = quantize_32_even(x, id, b[i].qs);
        b[i].s = sl_fp32_to_fp16(sum * d);
    }
}

void SL_AVX2 sl_from_float_q8_K_avx2(const float *x, void *dst, int64_t n) {
    block_q8_K *b = dst;
    for (int64_t i = 0; i < n / QK_K; i++, x += QK_K) {
        const float amax = absmax(x, QK_K);
        if (amax == 0) {
            memset(&b[i], 0, sizeof(block_q8_K));
            continue;
        }
        // The reference scales by the first element of largest magnitude, sign included.
        int first = 0;
        while (first < QK_K - 1 && fabsf(x[first]) != amax) first++; // bounded: a NaN matches nothing
        const float iscale = -127.0f / x[first];
        const __m256 mul = _mm256_set1_ps(iscale);
        const __m256i top = _mm256_set1_epi32(127);
        for (int j = 0; j < QK_K; j += 32) {
            __m256i q[4];
            for (int k = 0; k < 4; k++) {
                const __m256 v = _mm256_mul_ps(mul, _mm256_loadu_ps(x + j + 8 * k));
                q[k] = _mm256_min_epi32(_mm256_cvtps_epi32(_mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)), top);
            }
            _mm256_storeu_si256((__m256i *)(b[i].qs + j), pack_to_i8(q[0], q[1], q[2], q[3]));
            b[i].bsums[j / 16] = (int16_t)hsum_epi32(_mm256_add_epi32(q[0], q[1]));
            b[i].bsums[j / 16 + 1] = (int16_t)hsum_epi32(_mm256_add_epi32(q[2], q[3]));
        }
        b[i].d = 1 / iscale;
    }
}
#endif
