// AVX2 dot products of the super-block formats (Q4_K, Q5_K, Q6_K) with Q8_K.
// Quants are unsigned bytes, so maddubs multiplies them with the int8
// activations directly; the sub-block scales are applied with madd, and the
// mins / the -32 offset of Q6_K come from the activations' bsums.
#include "quants_avx2_common.h"
#if defined(__x86_64__)

/// Unpacks the 8 scales and returns Σ m_j * (activation sum of sub-block j).
static inline int k_scales_and_mins(const uint8_t *packed, const int16_t *bsums, int16_t sc[8]) {
    int summ = 0;
    for (int j = 0; j < 8; j++) {
        uint8_t s, m;
        sl_k_scale_min(j, packed, &s, &m);
        sc[j] = s;
        summ += m * (bsums[2 * j] + bsums[2 * j + 1]);
    }
    return summ;
}

static inline SL_AVX2 __m256i scaled_dot(__m256i q, const int8_t *a, int16_t scale) {
    const __m256i products = _mm256_maddubs_epi16(q, _mm256_loadu_si256((const __m256i *)a));
    return _mm256_madd_epi16(products, _mm256_set1_epi16(scale));
}

void SL_AVX2 sl_vec_dot_q4_K_q8_K_avx2(int n, float *s, const void *vx, const void *vy) {
    const block_q4_K *x = vx;
    const block_q8_K *y = vy;
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    __m256 acc = _mm256_setzero_ps();
    float mins = 0;
    for (int i = 0; i < n / QK_K; i++) {
        int16_t sc[8];
        const int summ = k_scales_and_mins(x[i].scales, y[i].bsums, sc);
        __m256i sumi = _mm256_setzero_si256();
        for (int j = 0; j < 4; j++) {
            const __m256i q = _mm256_loadu_si256((const __m256i *)(x[i].qs + 32 * j));
            const int8_t *a = y[i].qs + 64 * j;
            sumi = _mm256_add_epi32(sumi, scaled_dot(_mm256_and_si256(q, low4), a, sc[2 * j]));
            sumi = _mm256_add_epi32(sumi, scaled_dot(_mm256_and_si256(_mm256_srli_epi16(q, 4), low4), a + 32, sc[2 * j + 1]));
        }
        const __m128 d_dmin = halves_to_floats(x[i].d, x[i].dmin);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(_mm_cvtss_f32(d_dmin) * y[i].d), _mm256_cvtepi32_ps(sumi), acc);
        mins += _mm_cvtss_f32(_mm_movehdup_ps(d_dmin)) * y[i].d * summ;
    }
    *s = hsum_ps(acc) - mins;
}

void SL_AVX2 sl_vec_dot_q5_K_q8_K_avx2(int n, float *s, const void *vx, const void *vy) {
    const block_q5_K *x = vx;
    const block_q8_K *y = vy;
    const __m256i low4 = _mm256_set1_epi8(0x0F), bit4 = _mm256_set1_epi8(0x10);
    __m256 acc = _mm256_setzero_ps();
    float mins = 0;
    for (int i = 0; i < n / QK_K; i++) {
        int16_t sc[8];
        const int summ = k_scales_and_mins(x[i].scales, y[i].bsums, sc);
        // Sub-blocks 2j and 2j+1 take their 5th bits from bits 2j and 2j+1 of each qh byte;
        // shifting 16-bit lanes right by 2 per step never brings a neighbour's bit into bits 0-1 here.
        __m256i hbits = _mm256_loadu_si256((const __m256i *)x[i].qh);
        __m256i sumi = _mm256_setzero_si256();
        for (int j = 0; j < 4; j++) {
            const __m256i q = _mm256_loadu_si256((const __m256i *)(x[i].qs + 32 * j));
            const __m256i lo = _mm256_or_si256(_mm256_and_si256(q, low4), _mm256_and_si256(_mm256_slli_epi16(hbits, 4), bit4));
            const __m256i hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 4), low4),
                                               _mm256_and_si256(_mm256_slli_epi16(hbits, 3), bit4));
            const int8_t *a = y[i].qs + 64 * j;
            sumi = _mm256_add_epi32(sumi, scaled_dot(lo, a, sc[2 * j]));
            sumi = _mm256_add_epi32(sumi, scaled_dot(hi, a + 32, sc[2 * j + 1]));
            hbits = _mm256_srli_epi16(hbits, 2);
        }
        const __m128 d_dmin = halves_to_floats(x[i].d, x[i].dmin);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(_mm_cvtss_f32(d_dmin) * y[i].d), _mm256_cvtepi32_ps(sumi), acc);
        mins += _mm_cvtss_f32(_mm_movehdup_ps(d_dmin)) * y[i].d * summ;
    }
    *s = hsum_ps(acc) - mins;
}

/// maddubs over 32 elements whose first 16 have scale sc[0] and last 16 sc[1].
static inline SL_AVX2 __m256i q6_scaled_dot(__m256i q, const int8_t *a, const int8_t *sc) {
    const __m256i products = _mm256_maddubs_epi16(q, _mm256_loadu_si256((const __m256i *)a));
    const __m256i scales = _mm256_set_m128i(_mm_set1_epi16(sc[1]), _mm_set1_epi16(sc[0]));
    return _mm256_madd_epi16(products, scales);
}

void SL_AVX2 sl_vec_dot_q6_K_q8_K_avx2(int n, float *s, const void *vx, const void *vy) {
    const block_q6_K *x = vx;
    const block_q8_K *y = vy;
    const __m256i low4 = _mm256_set1_epi8(0x0F), high2 = _mm256_set1_epi8(0x30);
    __m256 acc = _mm256_setzero_ps();
    for (int i = 0; i < n / QK_K; i++) {
        // The quants are stored as q + 32 (0...63): subtract 32 * Σ sc_g * (activation sum of group g).
        int offset = 0;
        for (int g = 0; g < QK_K / 16; g++) offset += x[i].scales[g] * y[i].bsums[g];
        __m256i sumi = _mm256_set1_epi32(0);
        for (int h = 0; h < 2; h++) {
            const __m256i l0 = _mm256_loadu_si256((const __m256i *)(x[i].ql + 64 * h));
            const __m256i l1 = _mm256_loadu_si256((const __m256i *)(x[i].ql + 64 * h + 32));
            const __m256i hb = _mm256_loadu_si256((const __m256i *)(x[i].qh + 32 * h));
            const __m256i q0 = _mm256_or_si256(_mm256_and_si256(l0, low4), _mm256_and_si256(_mm256_slli_epi16(hb, 4), high2));
            const __m256i q1 = _mm256_or_si256(_mm256_and_si256(l1, low4), _mm256_and_si256(_mm256_slli_epi16(hb, 2), high2));
            const __m256i q2 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), low4), _mm256_and_si256(hb, high2));
            const __m256i q3 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), low4),
                                               _mm256_and_si256(_mm256_srli_epi16(hb, 2), high2));
            const int8_t *a = y[i].qs + 128 * h;
            const int8_t *sc = x[i].scales + 8 * h;
            sumi = _mm256_add_epi32(sumi, q6_scaled_dot(q0, a, sc));
            sumi = _mm256_add_epi32(sumi, q6_scaled_dot(q1, a + 32, sc + 2));
            sumi = _mm256_add_epi32(sumi, q6_scaled_dot(q2, a + 64, sc + 4));
            sumi = _mm256_add_epi32(sumi, q6_scaled_dot(q3, a + 96, sc + 6));
        }
        // Fold the offset into lane 0 so the block stays one integer sum.
        sumi = _mm256_sub_epi32(sumi, _mm256_setr_epi32(32 * offset, 0, 0, 0, 0, 0, 0, 0));
        const float d = _mm_cvtss_f32(halves_to_floats(x[i].d, 0)) * y[i].d;
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    *s = hsum_ps(acc);
}
#endif
