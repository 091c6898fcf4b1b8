// AVX512-FP16 kernel of the packed GEMM: F16 weights over SL_ACT_F16_PRODUCTS activations, with fp16
// products (vfmadd231ph: 32 products per instruction, at the rate of vfmadd231ps's 16 on the CPUs that
// have it), and that format's quantizer.
//
// A vector holds a column pair of the group's 16 rows, lane 2r + p being row r's column k + p: the F16
// layout keeps columns k and k + 1 as 64 consecutive bytes, and one vpermw per pair (shared by a tile's 8
// tokens) interleaves them. The token's pair of halves is then one 32-bit broadcast, a plain load; a
// 16-bit broadcast ({1to32}) costs a shuffle per FMA on this CPU (7.0 G against 11.3 G vfmadd231ph/s
// measured on 2 threads). Each lane thus sums one parity's columns: SL_F16_PRODUCTS_CHAIN columns make
// two f16 chains of 16 products, widened to f32 and added to the parity's sum; the parities are added at
// the end. The reference (sl_gemm_group_f16_products_ref in gemm.c) does the same roundings in the same
// order, so the results are bit-identical.
#include "avx512_common.h"
#if defined(__x86_64__)

#define SL_AVX512_FP16 __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx512fp16")))

void SL_AVX512 sl_quantize_f16_products_row_avx512(const float *x, sl_qact *a, int64_t t) {
    const int64_t cols = a->cols;
    // max(|x|, running) drops a NaN as the reference's fmaxf does.
    __m512 running = _mm512_setzero_ps();
    for (int64_t k = 0; k < cols; k += 16) running = _mm512_max_ps(_mm512_abs_ps(_mm512_loadu_ps(x + k)), running);
    const int n = sl_f16_products_shift(_mm512_reduce_max_ps(running));
    const __m512 down = _mm512_set1_ps(ldexpf(1, -n));
    uint16_t *h = a->f16 + t * cols;
    for (int64_t k = 0; k < cols; k += 16) {
        // vcvtps2ph rounds to nearest even, as sl_fp32_to_fp16.
        _mm256_storeu_si256((__m256i *)(h + k), _mm512_cvtps_ph(_mm512_mul_ps(_mm512_loadu_ps(x + k), down),
                                                                 _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    }
    a->d[t * (cols / 32)] = ldexpf(1, n);
}

/// Rows [0, nrows) for tokens t0...t0+T-1: per token, lo / hi hold rows 0-7 / 8-15, lanes 2r + p.
ALWAYS_INLINE SL_AVX512_FP16 void f16_products_tile(const int T, const uint16_t *w, const sl_qact *a, int64_t t0,
                                                   float *y, int64_t ldy, __mmask16 mask, int accumulate) {
    const int64_t cols = a->cols;
    // One pointer per token, so each broadcast is a load from a base register and the column index.
    const uint16_t *x[TILE_TOKENS];
    for (int t = 0; t < T; t++) x[t] = a->f16 + (t0 + t) * cols;
    // Lane 2r + p takes half 16p + r of the pair's 64 bytes.
    const __m512i interleave = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7,
                                                22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    __m512 lo[TILE_TOKENS], hi[TILE_TOKENS];
    for (int t = 0; t < T; t++) lo[t] = hi[t] = _mm512_setzero_ps();
    for (int64_t c = 0; c < cols; c += SL_F16_PRODUCTS_CHAIN) {
        __m512h h[TILE_TOKENS];
        for (int t = 0; t < T; t++) h[t] = _mm512_setzero_ph();
        for (int64_t k = c; k < c + SL_F16_PRODUCTS_CHAIN; k += 2) {
            // Block k / 32, columns k % 32 and k % 32 + 1: 16 halves each, at half 16 * k of the group's blocks.
            const __m512h wv = _mm512_castsi512_ph(_mm512_permutexvar_epi16(interleave, _mm512_loadu_si512(w + SL_PACK_ROWS * k)));
            for (int t = 0; t < T; t++) {
                int32_t pair;
                memcpy(&pair, x[t] + k, 4);
                h[t] = _mm512_fmadd_ph(wv, _mm512_castsi512_ph(_mm512_set1_epi32(pair)), h[t]);
            }
        }
        for (int t = 0; t < T; t++) {
            const __m512i bits = _mm512_castph_si512(h[t]);
            lo[t] = _mm512_add_ps(lo[t], _mm512_cvtph_ps(_mm512_castsi512_si256(bits)));
            hi[t] = _mm512_add_ps(hi[t], _mm512_cvtph_ps(_mm512_extracti64x4_epi64(bits, 1)));
        }
    }
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
    const int64_t nb = cols / 32;
    for (int t = 0; t < T; t++) {
        const __m512 sum = _mm512_add_ps(_mm512_permutex2var_ps(lo[t], even, hi[t]), _mm512_permutex2var_ps(lo[t], odd, hi[t]));
        __m512 v = _mm512_mul_ps(sum, _mm512_set1_ps(a->d[(t0 + t) * nb]));
        float *out = y + (t0 + t) * ldy;
        if (accumulate) v = _mm512_add_ps(_mm512_maskz_loadu_ps(mask, out), v);
        _mm512_mask_storeu_ps(out, mask, v);
    }
}

void SL_AVX512_FP16 sl_gemm_group_f16_products_avx512(const sl_packed_matrix *m, int64_t group, const sl_qact *a,
                                                      float *y, int64_t ldy, int nrows, int accumulate) {
    const int64_t nb = m->cols / 32;
    const uint16_t *w = (const uint16_t *)((const uint8_t *)m->data + (size_t)group * (size_t)nb * PACK_FLOAT16);
    const __mmask16 mask = (__mmask16)(nrows >= 16 ? 0xFFFF : (1u << nrows) - 1);
    for (int64_t t0 = 0; t0 < a->tokens; t0 += TILE_TOKENS) {
        switch (a->tokens - t0) {
        case 1: f16_products_tile(1, w, a, t0, y, ldy, mask, accumulate); break;
        case 2: f16_products_tile(2, w, a, t0, y, ldy, mask, accumulate); break;
        case 3: f16_products_tile(3, w, a, t0, y, ldy, mask, accumulate); break;
        case 4: f16_products_tile(4, w, a, t0, y, ldy, mask, accumulate); break;
        case 5: f16_products_tile(5, w, a, t0, y, ldy, mask, accumulate); break;
        case 6: f16_products_tile(6, w, a, t0, y, ldy, mask, accumulate); break;
        case 7: f16_products_tile(7, w, a, t0, y, ldy, mask, accumulate); break;
        default: f16_products_tile(8, w, a, t0, y, ldy, mask, accumulate); break;
        }
    }
}

#endif
