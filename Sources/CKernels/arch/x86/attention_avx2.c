// The AVX2 paged-attention kernel for an f16 cache: one token on one KV head per call (the task split and
// the portable reference are in attention.c; CPUs with AVX-512 take attention_avx512.c).
//
// The reference reads K one position at a time, gathering its head dims out of the transposed blocks
// element by element; here 8 consecutive positions of one dimension are one 16-byte load, so a score pass
// over 8 positions is head-dim FMAs with q broadcast, for every query head of the group at once. V is
// summed 16 dims at a time for up to 6 heads, the accumulators kept in registers across the positions.
//
// Rounding points are the reference's (Q and the softmax weights rounded to f16, the same softmax code).
// Each score is one chain of FMAs over the head dims in order (the reference sums products in order,
// unfused: the scores differ from its within the tests' bound); each output element is one chain of FMAs
// over the positions in order, as the reference's AVX2 axpy, so the weighted sum matches that level bit
// for bit. Nothing depends on the other tokens of the batch.
#if defined(__x86_64__)
#include "../../attention_internal.h"

#include <immintrin.h>
#include <string.h>

#define SL_AVX2_ATTN __attribute__((target("avx2,fma,f16c")))

enum { MAX_HEAD_DIM = SL_ATTN_MAX_HEAD_DIM, MAX_GROUP = SL_ATTN_MAX_GROUP };
/// Query heads per pass of the weighted sum: 6 heads x 2 vectors of accumulators, the two V vectors and a
/// broadcast weight fill 15 of the 16 registers.
enum { V_HEADS = 6 };

/// 8 f16 values as floats (exact).
static inline SL_AVX2_ATTN __m256 load8(const uint16_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/// Scaled (and soft-capped) scores of `NH` heads from h0 for positions p0..p0+7 of one block, whose
/// transposed K for this KV head starts at `kt` (`block_size` elements per dimension); lanes outside
/// start..<len are computed from whatever the block holds there and not stored.
ALWAYS_INLINE SL_AVX2_ATTN void score8(const int NH, const sl_attention_args *a, const float (*q)[MAX_HEAD_DIM],
                                       int64_t h0, const uint16_t *kt, int64_t p0, int64_t start, int64_t len,
                                       float *scores, int64_t stride) {
    const int64_t hd = a->head_dim, bs = a->block_size;
    __m256 acc[8];
    for (int h = 0; h < NH; h++) acc[h] = _mm256_setzero_ps();
    for (int64_t d = 0; d < hd; d++) {
        const __m256 k = load8(kt + d * bs);
        for (int h = 0; h < NH; h++) acc[h] = _mm256_fmadd_ps(_mm256_set1_ps(q[h0 + h][d]), k, acc[h]);
    }
    for (int h = 0; h < NH; h++) {
        float lane[8];
        _mm256_storeu_ps(lane, acc[h]);
        float *s = scores + (h0 + h) * stride;
        for (int64_t i = 0; i < 8; i++) {
            const int64_t j = p0 + i;
            if (j >= start && j < len) s[j] = sl_attn_soft_cap(a, lane[i] * a->scale);
        }
    }
}

/// Dims d0..d0+15 of the weighted sum of V for `NH` heads from h0, each element one chain of FMAs over
/// the positions in order.
ALWAYS_INLINE SL_AVX2_ATTN void value16(const int NH, const sl_attention_args *a, const int32_t *table, int64_t t,
                                        int64_t g, int64_t h0, int64_t d0, int64_t start, int64_t len,
                                        const float *scores, int64_t stride) {
    const int64_t hd = a->head_dim, bs = a->block_size, group = a->num_heads / a->num_kv_heads;
    const uint16_t *v_cache = a->v_cache;
    __m256 lo[V_HEADS], hi[V_HEADS];
    for (int h = 0; h < NH; h++) lo[h] = hi[h] = _mm256_setzero_ps();
    for (int64_t j = start; j < len; j++) {
        const int64_t slot = (int64_t)table[j / bs] * bs + j % bs;
        const uint16_t *v = v_cache + (slot * a->num_kv_heads + g) * hd + d0;
        const __m256 vlo = load8(v), vhi = load8(v + 8);
        for (int h = 0; h < NH; h++) {
            const __m256 w = _mm256_set1_ps(scores[(h0 + h) * stride + j]);
            lo[h] = _mm256_fmadd_ps(w, vlo, lo[h]);
            hi[h] = _mm256_fmadd_ps(w, vhi, hi[h]);
        }
    }
    for (int h = 0; h < NH; h++) {
        float *out = a->out + (t * a->num_heads + g * group + h0 + h) * hd + d0;
        _mm256_storeu_ps(out, lo[h]);
        _mm256_storeu_ps(out + 8, hi[h]);
    }
}

void SL_AVX2_ATTN sl_attention_token_avx2(const sl_attention_args *a, int64_t t, int64_t g, int64_t h0, int64_t h1,
                                          float *scores, int64_t stride) {
    const int64_t group = a->num_heads / a->num_kv_heads;
    const int64_t hd = a->head_dim, bs = a->block_size;
    const int32_t *table = a->block_tables + (int64_t)a->token_seq[t] * a->max_blocks_per_seq;
    const int64_t len = a->context_lens[t];
    const int64_t start = sl_attn_first_visible(a, len);
    const uint16_t *k_cache = a->k_cache;
    float q[MAX_GROUP][MAX_HEAD_DIM];
    for (int64_t h = h0; h < h1; h++) {
        const float *qh = a->q + (t * a->num_heads + g * group + h) * hd;
        for (int64_t d = 0; d < hd; d++) q[h][d] = sl_fp16_to_fp32(sl_fp32_to_fp16(qh[d]));
    }
    // Pass 1: scores, 8 positions at a time (8 divides the block size, so they share a block).
    for (int64_t p0 = start & ~(int64_t)7; p0 < len; p0 += 8) {
        const int64_t block = table[p0 / bs];
        const uint16_t *kt = k_cache + ((block * a->num_kv_heads + g) * hd) * bs + p0 % bs;
        for (int64_t hb = h0; hb < h1; hb += 8) {
            const float (*qs)[MAX_HEAD_DIM] = (const float (*)[MAX_HEAD_DIM])q;
            switch (h1 - hb < 8 ? h1 - hb : 8) {
            case 1: score8(1, a, qs, hb, kt, p0, start, len, scores, stride); break;
            case 2: score8(2, a, qs, hb, kt, p0, start, len, scores, stride); break;
            case 3: score8(3, a, qs, hb, kt, p0, start, len, scores, stride); break;
            case 4: score8(4, a, qs, hb, kt, p0, start, len, scores, stride); break;
            case 5: score8(5, a, qs, hb, kt, p0, start, len, scores, stride); break;
            case 6: score8(6, a, qs, hb, kt, p0, start, len, scores, stride); break;
            case 7: score8(7, a, qs, hb, kt, p0, start, len, scores, stride); break;
            default: score8(8, a, qs, hb, kt, p0, start, len, scores, stride); break;
            }
        }
    }
    for (int64_t h = h0; h < h1; h++) sl_attn_softmax(scores + h * stride, start, len);
    // Pass 2: the weighted sum of V, 16 dims of up to V_HEADS heads per pass over the positions.
    for (int64_t hb = h0; hb < h1; hb += V_HEADS) {
        for (int64_t d0 = 0; d0 < hd; d0 += 16) {
            switch (h1 - hb < V_HEADS ? h1 - hb : V_HEADS) {
            case 1: value16(1, a, table, t, g, hb, d0, start, len, scores, stride); break;
            case 2: value16(2, a, table, t, g, hb, d0, start, len, scores, stride); break;
            case 3: value16(3, a, table, t, g, hb, d0, start, len, scores, stride); break;
            case 4: value16(4, a, table, t, g, hb, d0, start, len, scores, stride); break;
            case 5: value16(5, a, table, t, g, hb, d0, start, len, scores, stride); break;
            default: value16(6, a, table, t, g, hb, d0, start, len, scores, stride); break;
            }
        }
    }
}

#endif
