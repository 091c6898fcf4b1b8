// AVX2 dot products of IQ4_NL (with Q8_0) and IQ4_XS (with Q8_K). The nibbles index sl_iq4nl_values,
// looked up 32 at a time with vpshufb; the levels are signed (down to -127), so products go through
// dot_i8_i8's sign trick rather than maddubs on unsigned weights.
#include "quants_avx2_common.h"
#if defined(__x86_64__)

/// sl_iq4nl_values in both 128-bit lanes, as vpshufb's table.
static inline SL_AVX2 __m256i iq4_table(void) {
    const __m128i t = _mm_loadu_si128((const __m128i *)sl_iq4nl_values);
    return _mm256_set_m128i(t, t);
}

/// The 32 signed levels of one 16-byte IQ4 block, in element order.
static inline SL_AVX2 __m256i iq4_levels(__m256i table, const uint8_t *qs) {
    return _mm256_shuffle_epi8(table, unpack_nibbles(qs));
}

void SL_AVX2 sl_vec_dot_iq4_nl_q8_0_avx2(int n, float *s, const void *vx, const void *vy) {
    const block_iq4_nl *x = vx;
    const block_q8_0 *y = vy;
    const __m256i table = iq4_table();
#define IQ4_NL_BLOCK(i, acc)                                                                        \
    _mm256_fmadd_ps(_mm256_set1_ps(half_product(x[i].d, y[i].d)),                                  \
                    _mm256_cvtepi32_ps(dot_i8_i8(iq4_levels(table, x[i].qs),                        \
                                                 _mm256_loadu_si256((const __m256i *)y[i].qs))), acc)
    const int nb = n / QK4_NL;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0;
    int i = 0;
    for (; i + 1 < nb; i += 2) {
        acc0 = IQ4_NL_BLOCK(i, acc0);
        acc1 = IQ4_NL_BLOCK(i + 1, acc1);
    }
    if (i < nb) acc0 = IQ4_NL_BLOCK(i, acc0);
#undef IQ4_NL_BLOCK
    *s = hsum_ps(_mm256_add_ps(acc0, acc1));
}

void SL_AVX2 sl_vec_dot_iq4_xs_q8_K_avx2(int n, float *s, const void *vx, const void *vy) {
    const block_iq4_xs *x = vx;
    const block_q8_K *y = vy;
    const __m256i table = iq4_table();
    __m256 acc = _mm256_setzero_ps();
    for (int i = 0; i < n / QK_K; i++) {
        __m256i sumi = _mm256_setzero_si256();
        for (int j = 0; j < 8; j++) {
            const __m256i dot = dot_i8_i8(iq4_levels(table, x[i].qs + 16 * j),
                                          _mm256_loadu_si256((const __m256i *)(y[i].qs + 32 * j)));
            sumi = _mm256_add_epi32(sumi, _mm256_mullo_epi32(dot, _mm256_set1_epi32(sl_iq4_xs_scale(&x[i], j))));
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(sl_half_to_float(x[i].d) * y[i].d), _mm256_cvtepi32_ps(sumi), acc);
    }
    *s = hsum_ps(acc);
}
#endif
