// AVX-512 VNNI kernels of the packed GEMM (layout in gemm_internal.h).
//
// The micro-kernel keeps a tile of 16 rows x up to 8 tokens in registers: per
// 32-column block it unpacks the group's weights once (8 vectors of 16 rows x 4
// columns) and runs 8 vpdpbusd per token, each with 4 activation bytes
// broadcast from memory. The integer sums are scaled per block into float
// accumulators, as llama.cpp's repacked Q4_0 kernels do per block.
#include "gemm_internal.h"
#if defined(__x86_64__)
#include <immintrin.h>
#include "simd_math_avx512.h"

#define SL_AVX512 __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))
#define ALWAYS_INLINE static inline __attribute__((always_inline))

enum { TILE_TOKENS = 8 };

ALWAYS_INLINE SL_AVX512 __m512i broadcast4(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return _mm512_set1_epi32(v);
}

/// One tile of `T` tokens (t0...) for a group; `split` keeps two integer chains per token so a
/// small tile (decode) is not bound by vpdpbusd's latency.
ALWAYS_INLINE SL_AVX512 void tile(const int T, const sl_type type, const uint8_t *w, int64_t nb, size_t stride,
                                  const sl_qact *a, int64_t t0, float *y, int64_t ldy, __mmask16 mask,
                                  int accumulate) {
    const int split = T <= 2;
    const int64_t K = a->cols;
    const int8_t *xq = a->q + t0 * K;
    const float *xd = a->d + t0 * nb;
    const float *xs = a->s + t0 * nb;
    const int32_t *xc = a->c + t0 * nb;
    const __m512i low = _mm512_set1_epi8(0x0F);
    __m512 f[TILE_TOKENS];
    for (int t = 0; t < T; t++) f[t] = _mm512_setzero_ps();

    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *blk = w + (size_t)b * stride;
        __m512i acc[TILE_TOKENS], acc2[TILE_TOKENS];
        __m512 dw;
        if (type == SL_TYPE_Q8_0) {
            dw = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(blk + PACK_Q8_QS)));
            // (x + 128) * w summed, less 128 * sum(w), is x * w summed.
            const __m512i wsum = _mm512_cvtepi16_epi32(_mm256_loadu_si256((const __m256i *)(blk + PACK_Q8_QS + PACK_SCALES)));
            const __m512i bias = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_slli_epi32(wsum, 7));
            for (int t = 0; t < T; t++) {
                acc[t] = bias;
                acc2[t] = _mm512_setzero_si512();
            }
            for (int j = 0; j < 8; j++) {
                const __m512i wv = _mm512_loadu_si512(blk + 64 * j);
                for (int t = 0; t < T; t++) {
                    const __m512i xv = broadcast4(xq + t * K + b * 32 + 4 * j);
                    if (split && (j & 1)) acc2[t] = _mm512_dpbusd_epi32(acc2[t], xv, wv);
                    else acc[t] = _mm512_dpbusd_epi32(acc[t], xv, wv);
                }
            }
        } else {
            dw = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(blk + PACK_Q4_QS)));
            for (int t = 0; t < T; t++) {
                // Q4_0's quants are q - 8: start from -8 * sum(x).
                acc[t] = type == SL_TYPE_Q4_0 ? _mm512_set1_epi32(xc[t * nb + b]) : _mm512_setzero_si512();
                acc2[t] = _mm512_setzero_si512();
            }
            // Chunk p holds columns 4p... in its low nibbles and 16 + 4p... in its high ones; unpacking one
            // chunk at a time keeps two weight vectors live, so 8 tokens' accumulators fit in registers.
            for (int p = 0; p < 4; p++) {
                const __m512i packed = _mm512_loadu_si512(blk + 64 * p);
                const __m512i lo = _mm512_and_si512(packed, low);
                const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(packed, 4), low);
                for (int t = 0; t < T; t++) {
                    const int8_t *x = xq + t * K + b * 32 + 4 * p;
                    acc[t] = _mm512_dpbusd_epi32(acc[t], lo, broadcast4(x));
                    if (split) acc2[t] = _mm512_dpbusd_epi32(acc2[t], hi, broadcast4(x + 16));
                    else acc[t] = _mm512_dpbusd_epi32(acc[t], hi, broadcast4(x + 16));
                }
            }
        }
        for (int t = 0; t < T; t++) {
            const __m512i sum = split ? _mm512_add_epi32(acc[t], acc2[t]) : acc[t];
            const __m512 scale = _mm512_mul_ps(dw, _mm512_set1_ps(xd[t * nb + b]));
            f[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), scale, f[t]);
        }
        if (type == SL_TYPE_Q4_1) {
            const __m512 mw = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(blk + PACK_Q4_QS + PACK_SCALES)));
            for (int t = 0; t < T; t++) f[t] = _mm512_fmadd_ps(mw, _mm512_set1_ps(xs[t * nb + b]), f[t]);
        }
    }
    for (int t = 0; t < T; t++) {
        float *out = y + (t0 + t) * ldy;
        __m512 v = f[t];
        if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, out));
        _mm512_mask_storeu_ps(out, mask, v);
    }
}

#define TILE_CASES(TYPE)                                                                                         \
    switch (n) {                                                                                                 \
    case 1: tile(1, TYPE, w, nb, stride, a, t0, y, ldy, mask, accumulate); break;                                \
    case 2: tile(2, TYPE, w, nb, stride, a, t0, y, ldy, mask, accumulate); break;                                \
    case 3: tile(3, TYPE, w, nb, stride, a, t0, y, ldy, mask, accumulate); break;                                \
    case 4: tile(4, TYPE, w, nb, stride, a, t0, y, ldy, mask, accumulate); break;                                \
    case 5: tile(5, TYPE, w, nb, stride, a, t0, y, ldy, mask, accumulate); break;                                \
    case 6: tile(6, TYPE, w, nb, stride, a, t0, y, ldy, mask, accumulate); break;                                \
    case 7: tile(7, TYPE, w, nb, stride, a, t0, y, ldy, mask, accumulate); break;                                \
    default: tile(8, TYPE, w, nb, stride, a, t0, y, ldy, mask, accumulate); break;                               \
    }

static SL_AVX512 void group_q4_0(const uint8_t *w, int64_t nb, size_t stride, const sl_qact *a, float *y,
                                 int64_t ldy, __mmask16 mask, int accumulate) {
    for (int64_t t0 = 0; t0 < a->tokens; t0 += TILE_TOKENS) {
        const int64_t n = a->tokens - t0;
        TILE_CASES(SL_TYPE_Q4_0)
    }
}

static SL_AVX512 void group_q4_1(const uint8_t *w, int64_t nb, size_t stride, const sl_qact *a, float *y,
                                 int64_t ldy, __mmask16 mask, int accumulate) {
    for (int64_t t0 = 0; t0 < a->tokens; t0 += TILE_TOKENS) {
        const int64_t n = a->tokens - t0;
        TILE_CASES(SL_TYPE_Q4_1)
    }
}

static SL_AVX512 void group_q8_0(const uint8_t *w, int64_t nb, size_t stride, const sl_qact *a, float *y,
                                 int64_t ldy, __mmask16 mask, int accumulate) {
    for (int64_t t0 = 0; t0 < a->tokens; t0 += TILE_TOKENS) {
        const int64_t n = a->tokens - t0;
        TILE_CASES(SL_TYPE_Q8_0)
    }
}

void SL_AVX512 sl_gemm_group_avx512(const sl_packed_matrix *m, int64_t group, const sl_qact *a, float *y,
                                    int64_t ldy, int nrows, int accumulate) {
    const int64_t nb = m->cols / 32;
    const uint8_t *w = (const uint8_t *)m->data + (size_t)group * (size_t)nb * m->block_stride;
    const __mmask16 mask = (__mmask16)(nrows >= 16 ? 0xFFFF : (1u << nrows) - 1);
    switch (m->type) {
    case SL_TYPE_Q4_0: group_q4_0(w, nb, m->block_stride, a, y, ldy, mask, accumulate); break;
    case SL_TYPE_Q4_1: group_q4_1(w, nb, m->block_stride, a, y, ldy, mask, accumulate); break;
    default: group_q8_0(w, nb, m->block_stride, a, y, ldy, mask, accumulate); break;
    }
}

// MARK: - Activation quantizer and SwiGLU

void SL_AVX512 sl_quantize_act_row_avx512(const float *x, sl_qact *a, int64_t t) {
    const int64_t nb = a->cols / 32;
    int8_t *q = a->q + t * a->cols;
    const __m128i offset = _mm_set1_epi8((char)(a->unsigned_q ? 0x80 : 0));
    for (int64_t b = 0; b < nb; b++, x += 32, q += 32) {
        const __m512 v0 = _mm512_loadu_ps(x), v1 = _mm512_loadu_ps(x + 16);
        const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
        const float d = amax / 127;
        const __m512 id = _mm512_set1_ps(amax != 0 ? 127.0f / amax : 0.0f);
        // cvtps rounds half to even under the default MXCSR, as nearbyintf does in the reference.
        const __m512i q0 = _mm512_cvtps_epi32(_mm512_mul_ps(v0, id));
        const __m512i q1 = _mm512_cvtps_epi32(_mm512_mul_ps(v1, id));
        const int sum = _mm512_reduce_add_epi32(_mm512_add_epi32(q0, q1));
        _mm_storeu_si128((__m128i *)q, _mm_xor_si128(_mm512_cvtsepi32_epi8(q0), offset));
        _mm_storeu_si128((__m128i *)(q + 16), _mm_xor_si128(_mm512_cvtsepi32_epi8(q1), offset));
        a->d[t * nb + b] = _cvtsh_ss(_cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT));
        a->s[t * nb + b] = _cvtsh_ss(_cvtss_sh((float)sum * d, _MM_FROUND_TO_NEAREST_INT));
        a->c[t * nb + b] = -8 * sum;
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
