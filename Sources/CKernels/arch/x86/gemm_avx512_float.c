// AVX-512 kernels of the packed GEMM for float weights (F16, BF16), the activation quantizer and
// SwiGLU (the 8-bit formats' kernels are in gemm_avx512.c).
#include "avx512_common.h"
#if defined(__x86_64__)

// MARK: - Float weights (F16, BF16)

// Each 32-column block is summed from zero and added to the row's total, in the reference's order
// (float_row_dot in gemm.c): F16 column by column with FMAs on vcvtph2ps'd weights and f16-valued activations,
// BF16 pair by pair with vdpbf16ps. A tile of few tokens sums U blocks side by side, so it still keeps
// 4 to 8 chains in flight; their sums are added in block order, so the result does not depend on U.

/// Blocks per step for a tile of T tokens.
ALWAYS_INLINE int float_blocks_per_step(const int T) { return T >= 8 ? 1 : T >= 4 ? 2 : 4; }

ALWAYS_INLINE SL_AVX512 void store_tile(const int T, const __m512 *f, float *y, int64_t t0, int64_t ldy,
                                        __mmask16 mask, int accumulate) {
    for (int t = 0; t < T; t++) {
        float *out = y + (t0 + t) * ldy;
        __m512 v = f[t];
        if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, out));
        _mm512_mask_storeu_ps(out, mask, v);
    }
}

ALWAYS_INLINE SL_AVX512 void prefetch_blocks(const uint8_t *blk, int bytes) {
    for (int line = 0; line < bytes; line += 64) _mm_prefetch((const char *)blk + PREFETCH_AHEAD + line, _MM_HINT_T0);
}

/// Adds the sums of F16 blocks b...b+U-1 (at `blk`) for T tokens of f32 activations `x` (row stride K) to f.
ALWAYS_INLINE SL_AVX512 void f16_blocks(const int T, const int U, const uint8_t *blk, int64_t b, const float *x,
                                        int64_t K, __m512 *f) {
    __m512 s[4][TILE_TOKENS];
    for (int u = 0; u < U; u++)
        for (int t = 0; t < T; t++) s[u][t] = _mm512_setzero_ps();
    for (int k = 0; k < 32; k++) {
        for (int u = 0; u < U; u++) {
            const __m512 wv = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(blk + u * PACK_FLOAT16 + 32 * k)));
            for (int t = 0; t < T; t++) s[u][t] = _mm512_fmadd_ps(wv, _mm512_set1_ps(x[t * K + (b + u) * 32 + k]), s[u][t]);
        }
    }
    for (int u = 0; u < U; u++)
        for (int t = 0; t < T; t++) f[t] = _mm512_add_ps(f[t], s[u][t]);
}

ALWAYS_INLINE SL_AVX512 void f16_tile(const int T, const uint8_t *w, int64_t nb, const sl_qact *a, int64_t t0,
                                      float *y, int64_t ldy, __mmask16 mask, int accumulate) {
    const int U = float_blocks_per_step(T);
    const int64_t K = a->cols;
    const float *x = a->f32 + t0 * K;
    __m512 f[TILE_TOKENS];
    for (int t = 0; t < T; t++) f[t] = _mm512_setzero_ps();
    int64_t b = 0;
    for (; b + U <= nb; b += U) {
        if (T <= 2) prefetch_blocks(w + b * PACK_FLOAT16, U * PACK_FLOAT16);
        f16_blocks(T, U, w + b * PACK_FLOAT16, b, x, K, f);
    }
    for (; b < nb; b++) f16_blocks(T, 1, w + b * PACK_FLOAT16, b, x, K, f);
    store_tile(T, f, y, t0, ldy, mask, accumulate);
}

/// As f16_blocks for BF16 weights and bf16 activations: one vdpbf16ps per column pair.
ALWAYS_INLINE SL_AVX512_BF16 void bf16_blocks(const int T, const int U, const uint8_t *blk, int64_t b,
                                              const uint16_t *x, int64_t K, __m512 *f) {
    __m512 s[4][TILE_TOKENS];
    for (int u = 0; u < U; u++)
        for (int t = 0; t < T; t++) s[u][t] = _mm512_setzero_ps();
    for (int j = 0; j < 16; j++) {
        for (int u = 0; u < U; u++) {
            const __m512bh wv = (__m512bh)_mm512_loadu_si512(blk + u * PACK_FLOAT16 + 64 * j);
            for (int t = 0; t < T; t++) {
                int32_t pair;
                memcpy(&pair, x + t * K + (b + u) * 32 + 2 * j, 4);
                s[u][t] = _mm512_dpbf16_ps(s[u][t], wv, (__m512bh)_mm512_set1_epi32(pair));
            }
        }
    }
    for (int u = 0; u < U; u++)
        for (int t = 0; t < T; t++) f[t] = _mm512_add_ps(f[t], s[u][t]);
}

ALWAYS_INLINE SL_AVX512_BF16 void bf16_tile(const int T, const uint8_t *w, int64_t nb, const sl_qact *a, int64_t t0,
                                            float *y, int64_t ldy, __mmask16 mask, int accumulate) {
    const int U = float_blocks_per_step(T);
    const int64_t K = a->cols;
    const uint16_t *x = a->bf16 + t0 * K;
    __m512 f[TILE_TOKENS];
    for (int t = 0; t < T; t++) f[t] = _mm512_setzero_ps();
    int64_t b = 0;
    for (; b + U <= nb; b += U) {
        if (T <= 2) prefetch_blocks(w + b * PACK_FLOAT16, U * PACK_FLOAT16);
        bf16_blocks(T, U, w + b * PACK_FLOAT16, b, x, K, f);
    }
    for (; b < nb; b++) bf16_blocks(T, 1, w + b * PACK_FLOAT16, b, x, K, f);
    store_tile(T, f, y, t0, ldy, mask, accumulate);
}

#define FLOAT_GROUP_KERNEL(name, TARGET, TILE)                                                                   \
    void TARGET name(const sl_packed_matrix *m, int64_t group, const sl_qact *a, float *y, int64_t ldy, int nrows, \
                     int accumulate) {                                                                           \
        const int64_t nb = m->cols / 32;                                                                         \
        const uint8_t *w = (const uint8_t *)m->data + (size_t)group * (size_t)nb * PACK_FLOAT16;                 \
        const __mmask16 mask = (__mmask16)(nrows >= 16 ? 0xFFFF : (1u << nrows) - 1);                           \
        for (int64_t t0 = 0; t0 < a->tokens; t0 += TILE_TOKENS) {                                                \
            switch (a->tokens - t0) {                                                                            \
            case 1: TILE(1, w, nb, a, t0, y, ldy, mask, accumulate); break;                                      \
            case 2: TILE(2, w, nb, a, t0, y, ldy, mask, accumulate); break;                                      \
            case 3: TILE(3, w, nb, a, t0, y, ldy, mask, accumulate); break;                                      \
            case 4: TILE(4, w, nb, a, t0, y, ldy, mask, accumulate); break;                                      \
            case 5: TILE(5, w, nb, a, t0, y, ldy, mask, accumulate); break;                                      \
            case 6: TILE(6, w, nb, a, t0, y, ldy, mask, accumulate); break;                                      \
            case 7: TILE(7, w, nb, a, t0, y, ldy, mask, accumulate); break;                                      \
            default: TILE(8, w, nb, a, t0, y, ldy, mask, accumulate); break;                                     \
            }                                                                                                    \
        }                                                                                                        \
    }

FLOAT_GROUP_KERNEL(sl_gemm_group_f16_avx512, SL_AVX512, f16_tile)
FLOAT_GROUP_KERNEL(sl_gemm_group_bf16_avx512, SL_AVX512_BF16, bf16_tile)
#undef FLOAT_GROUP_KERNEL

// MARK: - Activation quantizer and SwiGLU

/// Q8_K's rule over one 256-value super-block, bit-identical to quantize_q8_k_ref in gemm.c.
static SL_AVX512 void quantize_q8_k(const float *x, sl_qact *a, int64_t t, int64_t super) {
    const int64_t nb = a->cols / 32;
    int8_t *q = a->q + t * a->cols + super * 256;
    // The value of largest magnitude, the first one on ties, as the reference's scan finds it.
    __m512 vmax = _mm512_setzero_ps();
    for (int k = 0; k < 256; k += 16) vmax = _mm512_max_ps(vmax, _mm512_abs_ps(_mm512_loadu_ps(x + k)));
    const float amax = _mm512_reduce_max_ps(vmax);
    float max = 0;
    if (amax != 0) {
        for (int k = 0; k < 256; k += 16) {
            const __mmask16 hit = _mm512_cmp_ps_mask(_mm512_abs_ps(_mm512_loadu_ps(x + k)), _mm512_set1_ps(amax), _CMP_EQ_OQ);
            if (hit) {
                max = x[k + __builtin_ctz(hit)];
                break;
            }
        }
    }
    const float iscale = amax != 0 ? -127.0f / max : 0.0f;
    const float d = amax != 0 ? 1 / iscale : 0.0f;
    const __m512 vs = _mm512_set1_ps(iscale);
    const __m512i cap = _mm512_set1_epi32(127);
    for (int j = 0; j < 8; j++) {
        int sums[2];
        for (int h = 0; h < 2; h++) {
            // cvtps rounds half to even under the default MXCSR, as nearbyintf does in the reference.
            const __m512i v = _mm512_min_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(x + 32 * j + 16 * h), vs)), cap);
            sums[h] = _mm512_reduce_add_epi32(v);
            _mm_storeu_si128((__m128i *)(q + 32 * j + 16 * h), _mm512_cvtsepi32_epi8(v));
        }
        const int64_t b = super * 8 + j;
        a->bsum[t * 2 * nb + 2 * b] = (int16_t)sums[0];
        a->bsum[t * 2 * nb + 2 * b + 1] = (int16_t)sums[1];
        a->isum[t * nb + b] = sums[0] + sums[1];
        a->isum16[t * nb + b] = (int16_t)(sums[0] + sums[1]);
        a->d[t * nb + b] = d;
        a->s[t * nb + b] = d * (float)(sums[0] + sums[1]);
    }
}

/// sl_bf16_round_daz on 16 floats, with integer operations (AVX512-BF16's vcvtneps2bf16 gives the same,
/// but this runs on every AVX-512 CPU).
ALWAYS_INLINE SL_AVX512 __m256i bf16_round_daz16(__m512 v) {
    const __m512i x = _mm512_castps_si512(v);
    const __m512i high = _mm512_srli_epi32(x, 16);
    const __m512i bias = _mm512_add_epi32(_mm512_set1_epi32(0x7FFF), _mm512_and_si512(high, _mm512_set1_epi32(1)));
    __m512i r = _mm512_srli_epi32(_mm512_add_epi32(x, bias), 16);
    const __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(x, _mm512_set1_epi32(0x7FFFFFFF)), _mm512_set1_epi32(0x7F800000));
    r = _mm512_mask_mov_epi32(r, nan, _mm512_or_si512(high, _mm512_set1_epi32(0x40)));
    const __mmask16 tiny = _mm512_testn_epi32_mask(x, _mm512_set1_epi32(0x7F800000));
    r = _mm512_mask_mov_epi32(r, tiny, _mm512_and_si512(high, _mm512_set1_epi32(0x8000)));
    return _mm512_cvtepi32_epi16(r);
}

void SL_AVX512 sl_quantize_act_row_avx512(const float *x, sl_qact *a, int64_t t) {
    switch (a->format) {
    case SL_ACT_Q8_1: break;
    case SL_ACT_Q8_K:
        for (int64_t super = 0; super < a->cols / 256; super++) quantize_q8_k(x + super * 256, a, t, super);
        return;
    case SL_ACT_F16_PRODUCTS:
        sl_quantize_f16_products_row_avx512(x, a, t);
        return;
    case SL_ACT_F16:
        // vcvtps2ph rounds to nearest even, as sl_fp32_to_fp16 (NaNs aside, which stay NaNs).
        for (int64_t k = 0; k < a->cols; k += 16) {
            const __m256i h = _mm512_cvtps_ph(_mm512_loadu_ps(x + k), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
            _mm512_storeu_ps(a->f32 + t * a->cols + k, _mm512_cvtph_ps(h));
        }
        return;
    case SL_ACT_BF16:
        for (int64_t k = 0; k < a->cols; k += 16) {
            _mm256_storeu_si256((__m256i *)(a->bf16 + t * a->cols + k), bf16_round_daz16(_mm512_loadu_ps(x + k)));
        }
        return;
    }
    const int64_t nb = a->cols / 32;
    int8_t *q = a->q + t * a->cols;
    for (int64_t b = 0; b < nb; b++, x += 32, q += 32) {
        const __m512 v0 = _mm512_loadu_ps(x), v1 = _mm512_loadu_ps(x + 16);
        const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
        const float d = amax / 127;
        const __m512 id = _mm512_set1_ps(amax != 0 ? 127.0f / amax : 0.0f);
        // cvtps rounds half to even under the default MXCSR, as nearbyintf does in the reference.
        const __m512i q0 = _mm512_cvtps_epi32(_mm512_mul_ps(v0, id));
        const __m512i q1 = _mm512_cvtps_epi32(_mm512_mul_ps(v1, id));
        const int sum = _mm512_reduce_add_epi32(_mm512_add_epi32(q0, q1));
        _mm_storeu_si128((__m128i *)q, _mm512_cvtsepi32_epi8(q0));
        _mm_storeu_si128((__m128i *)(q + 16), _mm512_cvtsepi32_epi8(q1));
        a->d[t * nb + b] = _cvtsh_ss(_cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT));
        a->s[t * nb + b] = _cvtsh_ss(_cvtss_sh((float)sum * d, _MM_FROUND_TO_NEAREST_INT));
        a->isum[t * nb + b] = sum;
    }
}

void SL_AVX512 sl_swiglu_row_avx512(const float *gate, const float *up, float *out, int64_t n) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 g = _mm512_loadu_ps(gate + i);
        const __m512 e = sl_exp512(_mm512_sub_ps(_mm512_setzero_ps(), g));
        const __m512 silu = _mm512_div_ps(g, _mm512_add_ps(_mm512_set1_ps(1.0f), e));
        _mm512_storeu_ps(out + i, _mm512_mul_ps(silu, _mm512_loadu_ps(up + i)));
    }
    if (i < n) sl_swiglu_row_ref(gate + i, up + i, out + i, n - i);
}

#endif
