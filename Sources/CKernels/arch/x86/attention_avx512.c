// The AVX-512 paged-attention kernel: a run of tokens of one sequence on one KV head per call (the task split
// and the portable reference are in attention.c). Its results equal the reference's rounding points: Q and
// the softmax weights rounded to f16, every output element one chain of FMAs in position order.
#if defined(__x86_64__)
#include "../../attention_internal.h"
#include "../../quants_types.h"
#include "../../simd_math_avx512.h"

#include <immintrin.h>
#include <string.h>

enum { MAX_HEAD_DIM = SL_ATTN_MAX_HEAD_DIM, MAX_ROWS = SL_ATTN_MAX_ROWS };
/// Positions ahead of the scores pass that K is asked for. A KV head's K of one block is 4 KiB between the
/// other heads' (a page of its own to the hardware's stream prefetcher, which then starts cold on every
/// block); 64 positions is about 1,500 cycles of a decode step's scores ahead.
enum { K_AHEAD = 64 };
#define SL_AVX512_ATTN __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq")))
#define ALWAYS_INLINE static inline __attribute__((always_inline))

ALWAYS_INLINE SL_AVX512_ATTN __m512 round_f16_512(__m512 x) {
    return _mm512_cvtph_ps(_mm512_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

/// The cache element kinds the AVX-512 kernel is compiled for.
enum { KV_F16, KV_BF16, KV_Q8 };

/// 16 consecutive cache elements (f16, bf16 or int8) as floats.
ALWAYS_INLINE SL_AVX512_ATTN __m512 load16(const int KV, const void *p) {
    switch (KV) {
    case KV_BF16: return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)p)), 16));
    case KV_Q8: return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)p)));
    default: return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p));
    }
}

/// Scores of `NR` rows for the 16 positions pos0... whose transposed K starts at `kt` (Q8_0: K's scales for
/// the same positions at `ks`, a row of `block_size` per 32 dims). `q` holds the rows' queries dimension-major,
/// [head dim][8 rows], so each broadcast is a base-plus-offset load (an indexed one costs two micro-ops with
/// an FMA). `pf`, when not NULL, is the transposed K of positions K_AHEAD further on, asked for as we go.
ALWAYS_INLINE SL_AVX512_ATTN void score_rows(const int KV, const int NR, const float *q, const void *kt, const uint16_t *ks,
                                             const char *pf, int64_t block_size, int64_t hd, float scale, int64_t pos0,
                                             const int32_t *row_len, const int32_t *row_start, float *scores,
                                             int64_t stride) {
    // Each accumulator is a chain of dependent FMAs; the dimensions are split over two accumulators per
    // row so decode (3 rows) still has 6 chains in flight. The split must not depend on NR: a row's sum
    // order would then depend on what else is in the batch, and batching must not change results.
    enum { MAX_SPLIT = 2, S = 2 };
    const size_t element = KV == KV_Q8 ? 1 : 2;
    __m512 acc[MAX_SPLIT][8];
    for (int k = 0; k < S; k++)
        for (int r = 0; r < NR; r++) acc[k][r] = _mm512_setzero_ps();
    if (KV == KV_Q8) {
        // Each 32 dims sum in int8 units, then are scaled by their positions' scales.
        __m512 total[8];
        for (int r = 0; r < NR; r++) total[r] = _mm512_setzero_ps();
        for (int64_t d0 = 0; d0 < hd; d0 += 32) {
            for (int64_t d = d0; d < d0 + 32; d += S) {
                for (int k = 0; k < S; k++) {
                    const __m512 kv = load16(KV, (const char *)kt + (size_t)((d + k) * block_size) * element);
                    for (int r = 0; r < NR; r++) acc[k][r] = _mm512_fmadd_ps(_mm512_set1_ps(q[(d + k) * 8 + r]), kv, acc[k][r]);
                }
            }
            const __m512 sc = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(ks + (d0 / 32) * block_size)));
            for (int r = 0; r < NR; r++) {
                total[r] = _mm512_fmadd_ps(_mm512_add_ps(acc[0][r], acc[1][r]), sc, total[r]);
                acc[0][r] = acc[1][r] = _mm512_setzero_ps();
            }
        }
        for (int r = 0; r < NR; r++) acc[0][r] = total[r];
    } else {
        const int64_t row_bytes = block_size * (int64_t)element;
        for (int64_t d = 0; d < hd; d += S) {
            if (pf) {
                _mm_prefetch(pf + d * row_bytes, _MM_HINT_T0);
                if (row_bytes >= 64) _mm_prefetch(pf + (d + 1) * row_bytes, _MM_HINT_T0);
            }
            for (int k = 0; k < S; k++) {
                const __m512 kv = load16(KV, (const char *)kt + (size_t)((d + k) * block_size) * element);
                for (int r = 0; r < NR; r++) acc[k][r] = _mm512_fmadd_ps(_mm512_set1_ps(q[(d + k) * 8 + r]), kv, acc[k][r]);
            }
        }
        for (int k = 1; k < S; k++)
            for (int r = 0; r < NR; r++) acc[0][r] = _mm512_add_ps(acc[0][r], acc[k][r]);
    }
    const __m512i lanes = _mm512_add_epi32(_mm512_set1_epi32((int)pos0),
                                           _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
    for (int r = 0; r < NR; r++) {
        // Positions at or past the row's context are masked out (causal attention within the run), and
        // those before its window.
        const __mmask16 visible = _mm512_cmplt_epi32_mask(lanes, _mm512_set1_epi32(row_len[r])) &
                                  _mm512_cmpge_epi32_mask(lanes, _mm512_set1_epi32(row_start[r]));
        const __m512 s = _mm512_mask_blend_ps(visible, _mm512_set1_ps(-INFINITY), _mm512_mul_ps(acc[0][r], _mm512_set1_ps(scale)));
        _mm512_storeu_ps(scores + r * stride + pos0, s);
    }
}

/// acc[r] += p[r] * v for `NR` rows over 64 head dims of one position (`p` its weights, a row per `stride`
/// floats). Q8_0: the 64 dims are two blocks, and each row's weight takes each block's scale, s0 and s1.
ALWAYS_INLINE SL_AVX512_ATTN void weigh_position(const int KV, const int NR, const __m512 *v, const float *p, int64_t stride,
                                                 float s0, float s1, __m512 (*acc)[4]) {
    for (int r = 0; r < NR; r++) {
        if (KV == KV_Q8) {
            const float pw = p[r * stride];
            const __m512 w0 = _mm512_set1_ps(pw * s0), w1 = _mm512_set1_ps(pw * s1);
            acc[r][0] = _mm512_fmadd_ps(w0, v[0], acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(w0, v[1], acc[r][1]);
            acc[r][2] = _mm512_fmadd_ps(w1, v[2], acc[r][2]);
            acc[r][3] = _mm512_fmadd_ps(w1, v[3], acc[r][3]);
        } else {
            const __m512 w = _mm512_set1_ps(p[r * stride]);
            for (int c = 0; c < 4; c++) acc[r][c] = _mm512_fmadd_ps(w, v[c], acc[r][c]);
        }
    }
}

/// out rows = Σ_j p[r][j] V[j] for `NR` rows (up to 6) over the 64 head dims from 16 * c0, positions
/// 0..<len. Six rows by a quarter of 128 dims fit the registers, so a 128-dim head's GQA group of 6
/// reads each V row once per half instead of once per pair of rows; each output element is still one
/// chain of FMAs in position order, whatever the rows around it (batching changes nothing).
ALWAYS_INLINE SL_AVX512_ATTN void weigh_values(const int KV, const int NR, int64_t c0, const sl_attention_args *a,
                                               const int32_t *table, int64_t g, int64_t begin, int64_t len,
                                               const float *p, int64_t stride, float *const *out) {
    enum { D16 = 4, AHEAD = 16 };
    __m512 acc[6][D16];
    for (int r = 0; r < NR; r++)
        for (int c = 0; c < D16; c++) acc[r][c] = _mm512_setzero_ps();
    const size_t element = KV == KV_Q8 ? 1 : 2;
    // Slots of position j and of j + AHEAD, walked through the block table without a division per
    // position (an integer divide cost more than the position's 24 FMAs).
    const int64_t bs = a->block_size, last_block = (len - 1) / bs;
    int64_t blk = begin / bs, off = begin % bs;
    int64_t ahead_blk = (begin + AHEAD) / bs, ahead_off = (begin + AHEAD) % bs;
    for (int64_t j = begin; j < len; j++) {
        const int64_t index = ((table[blk] * bs + off) * a->num_kv_heads + g) * a->head_dim + 16 * c0;
        const char *vr = (const char *)a->v_cache + (size_t)index * element;
        if (j + AHEAD < len) {
            // The rows are strided by the other KV heads: ask for them ahead of the loads.
            const int64_t next_index = ((table[ahead_blk] * bs + ahead_off) * a->num_kv_heads + g) * a->head_dim + 16 * c0;
            const char *next = (const char *)a->v_cache + (size_t)next_index * element;
            _mm_prefetch(next, _MM_HINT_T0);
            if (KV != KV_Q8) _mm_prefetch(next + 64, _MM_HINT_T0);
            if (++ahead_off == bs) ahead_off = 0, ahead_blk++;
        }
        if (++off == bs && blk < last_block) off = 0, blk++;
        __m512 v[D16];
        for (int c = 0; c < D16; c++) v[c] = load16(KV, vr + 16 * c * element);
        const float s0 = KV == KV_Q8 ? sl_fp16_to_fp32(a->v_scales[index / 32]) : 1.0f;
        const float s1 = KV == KV_Q8 ? sl_fp16_to_fp32(a->v_scales[index / 32 + 1]) : 1.0f;
        weigh_position(KV, NR, v, p + j, stride, s0, s1, acc);
    }
    for (int r = 0; r < NR; r++)
        for (int c = 0; c < D16; c++) _mm512_storeu_ps(out[r] + 16 * (c0 + c), acc[r][c]);
}

/// Floats in one thread's tile of widened V rows (32 KiB: 64 positions of a 128-dim head).
enum { V_TILE_FLOATS = 8192 };

/// V rows of positions j0..<j1 on KV head g as floats, [position - j0][head dim] (Q8_0: the values in int8
/// units, with each 32 dims' scale in `scales`, [position - j0][head dim / 32]), and where the rows of the
/// next tile are (NULL past `len`), for `weigh_tile` to ask for them: they are strided by the other KV
/// heads, which defeats the hardware's stream prefetch.
ALWAYS_INLINE SL_AVX512_ATTN void widen_values(const int KV, const sl_attention_args *a, const int32_t *table, int64_t g,
                                               int64_t j0, int64_t j1, int64_t len, float *tile, float *scales,
                                               const char **next_rows) {
    const int64_t bs = a->block_size, hd = a->head_dim, tile_len = j1 - j0;
    const size_t element = KV == KV_Q8 ? 1 : 2;
    for (int64_t j = j0; j < j1; j++) {
        const int64_t index = ((table[j / bs] * bs + j % bs) * a->num_kv_heads + g) * hd;
        const char *row = (const char *)a->v_cache + (size_t)index * element;
        const int64_t ahead = j + tile_len;
        next_rows[j - j0] = NULL;
        if (ahead < len) {
            const int64_t next = ((table[ahead / bs] * bs + ahead % bs) * a->num_kv_heads + g) * hd;
            next_rows[j - j0] = (const char *)a->v_cache + (size_t)next * element;
        }
        float *dst = tile + (j - j0) * hd;
        for (int64_t d = 0; d < hd; d += 16) _mm512_store_ps(dst + d, load16(KV, row + d * element));
        if (KV == KV_Q8)
            for (int64_t b = 0; b < hd / 32; b++) scales[(j - j0) * (hd / 32) + b] = sl_fp16_to_fp32(a->v_scales[index / 32 + b]);
    }
}

/// out rows += Σ_j p[r][j] V[j] for `NR` rows (up to 6) over the 64 head dims from 16 * c0, positions j0..<end
/// of the widened tile that starts at position j0. Six rows by a quarter of 128 dims fit the registers.
/// With `next_rows`, each position's row of the next tile (`row_bytes` each) is asked for.
ALWAYS_INLINE SL_AVX512_ATTN void weigh_tile(const int KV, const int NR, int64_t c0, int64_t hd, const float *tile,
                                             const float *scales, const char *const *next_rows, int64_t row_bytes,
                                             int64_t j0, int64_t end, const float *p, int64_t stride, float *const *out) {
    enum { D16 = 4 };
    __m512 acc[6][D16];
    for (int r = 0; r < NR; r++)
        for (int c = 0; c < D16; c++) acc[r][c] = _mm512_loadu_ps(out[r] + 16 * (c0 + c));
    for (int64_t j = j0; j < end; j++) {
        if (next_rows && next_rows[j - j0])
            for (int64_t b = 0; b < row_bytes; b += 64) _mm_prefetch(next_rows[j - j0] + b, _MM_HINT_T0);
        const float *vr = tile + (j - j0) * hd + 16 * c0;
        __m512 v[D16];
        for (int c = 0; c < D16; c++) v[c] = _mm512_load_ps(vr + 16 * c);
        const float *position_scales = scales + (j - j0) * (hd / 32) + c0 / 2;
        weigh_position(KV, NR, v, p + j, stride, KV == KV_Q8 ? position_scales[0] : 1.0f,
                       KV == KV_Q8 ? position_scales[1] : 1.0f, acc);
    }
    for (int r = 0; r < NR; r++)
        for (int c = 0; c < D16; c++) _mm512_storeu_ps(out[r] + 16 * (c0 + c), acc[r][c]);
}

#define ROW_CASES(N, CALL)                                                                                       \
    switch (N) {                                                                                                 \
    case 1: CALL(1); break;                                                                                      \
    case 2: CALL(2); break;                                                                                      \
    case 3: CALL(3); break;                                                                                      \
    case 4: CALL(4); break;                                                                                      \
    case 5: CALL(5); break;                                                                                      \
    case 6: CALL(6); break;                                                                                      \
    case 7: CALL(7); break;                                                                                      \
    default: CALL(8); break;                                                                                     \
    }

/// Pass 2 for one token's rows: each 64 dims of V streamed from the cache for each group of 6 rows (two
/// passes over a 128-dim head's V for 6 rows; a 7th row's pass reads it from L2).
ALWAYS_INLINE SL_AVX512_ATTN void values_streamed(const int KV, const sl_attention_args *a, const int32_t *table, int64_t g,
                                                  int64_t rows, int64_t begin, const int32_t *row_len, const float *scores,
                                                  int64_t stride, float *const *out) {
    for (int64_t c0 = 0; c0 < a->head_dim / 16; c0 += 4) {
        for (int64_t r0 = 0; r0 < rows; r0 += 6) {
            int64_t run_len = 0;
            for (int64_t r = r0; r < rows && r < r0 + 6; r++) run_len = row_len[r] > run_len ? row_len[r] : run_len;
            const float *p = scores + r0 * stride;
            switch (rows - r0) {
            case 1: weigh_values(KV, 1, c0, a, table, g, begin, run_len, p, stride, out + r0); break;
            case 2: weigh_values(KV, 2, c0, a, table, g, begin, run_len, p, stride, out + r0); break;
            case 3: weigh_values(KV, 3, c0, a, table, g, begin, run_len, p, stride, out + r0); break;
            case 4: weigh_values(KV, 4, c0, a, table, g, begin, run_len, p, stride, out + r0); break;
            case 5: weigh_values(KV, 5, c0, a, table, g, begin, run_len, p, stride, out + r0); break;
            default: weigh_values(KV, 6, c0, a, table, g, begin, run_len, p, stride, out + r0); break;
            }
        }
    }
}

/// Pass 2 for a run of tokens: a tile of positions at a time, its V rows widened once, then 6 rows per pass
/// over each 64 dims of the tile; the sums are carried in `out` from tile to tile.
ALWAYS_INLINE SL_AVX512_ATTN void values_tiled(const int KV, const sl_attention_args *a, const int32_t *table, int64_t g,
                                               int64_t rows, int64_t begin, int64_t len, const int32_t *row_len,
                                               const float *scores, int64_t stride, float *const *out) {
    const int64_t hd = a->head_dim;
    for (int64_t r = 0; r < rows; r++) memset(out[r], 0, sizeof(float) * (size_t)hd);
    float tile[V_TILE_FLOATS] __attribute__((aligned(64)));
    float tile_scales[V_TILE_FLOATS / 32];
    const char *next_rows[V_TILE_FLOATS / 64];
    const int64_t row_bytes = hd * (KV == KV_Q8 ? 1 : 2);
    const int64_t tile_len = V_TILE_FLOATS / hd;
    for (int64_t j0 = begin; j0 < len; j0 += tile_len) {
        const int64_t j1 = j0 + tile_len < len ? j0 + tile_len : len;
        widen_values(KV, a, table, g, j0, j1, len, tile, tile_scales, next_rows);
        for (int64_t c0 = 0; c0 < hd / 16; c0 += 4) {
            for (int64_t r0 = 0; r0 < rows; r0 += 6) {
                const int64_t nr = rows - r0 < 6 ? rows - r0 : 6;
                int64_t run_len = 0;
                for (int64_t r = r0; r < r0 + nr; r++) run_len = row_len[r] > run_len ? row_len[r] : run_len;
                const int64_t end = run_len < j1 ? run_len : j1;
                if (end <= j0) continue;
                const float *p = scores + r0 * stride;
                const char *const *ahead = c0 == 0 && r0 == 0 ? next_rows : NULL;
#define WEIGH(N) weigh_tile(KV, N, c0, hd, tile, tile_scales, ahead, row_bytes, j0, end, p, stride, out + r0)
                switch (nr) {
                case 1: WEIGH(1); break;
                case 2: WEIGH(2); break;
                case 3: WEIGH(3); break;
                case 4: WEIGH(4); break;
                case 5: WEIGH(5); break;
                default: WEIGH(6); break;
                }
#undef WEIGH
            }
        }
    }
}

/// Tokens t0..<t0+nt (one sequence), query heads h0..<h1 of KV head g's group. Needs head_dim a multiple of
/// 64 (at most 256) and block_size a multiple of 16.
ALWAYS_INLINE SL_AVX512_ATTN void attention_run(const int KV, const sl_attention_args *a, int64_t t0, int64_t nt,
                                                int64_t g, int64_t h0, int64_t h1, float *scores, int64_t stride) {
    const int64_t group = a->num_heads / a->num_kv_heads, heads = h1 - h0;
    const int64_t hd = a->head_dim;
    const int64_t rows = nt * heads;
    const int32_t *table = a->block_tables + (int64_t)a->token_seq[t0] * a->max_blocks_per_seq;
    float q[MAX_ROWS * MAX_HEAD_DIM] __attribute__((aligned(64))); // [rows / 8][head dim][8]
    int32_t row_len[MAX_ROWS], row_start[MAX_ROWS];
    float *out[MAX_ROWS];
    int64_t len = 0, begin = INT64_MAX;
    for (int64_t i = 0; i < nt; i++) {
        const int64_t t = t0 + i;
        len = a->context_lens[t] > len ? a->context_lens[t] : len;
        const int64_t start = sl_attn_first_visible(a, a->context_lens[t]);
        begin = start < begin ? start : begin;
        for (int64_t h = 0; h < heads; h++) {
            const int64_t r = i * heads + h;
            const float *qh = a->q + (t * a->num_heads + g * group + h0 + h) * hd;
            float rounded[MAX_HEAD_DIM] __attribute__((aligned(64)));
            for (int64_t d = 0; d < hd; d += 16) _mm512_storeu_ps(rounded + d, round_f16_512(_mm512_loadu_ps(qh + d)));
            float *qt = q + (r / 8) * hd * 8 + r % 8;
            for (int64_t d = 0; d < hd; d++) qt[d * 8] = rounded[d];
            row_len[r] = a->context_lens[t];
            row_start[r] = (int32_t)start;
            out[r] = a->out + (t * a->num_heads + g * group + h0 + h) * hd;
        }
    }
    // Every row's visible positions lie in begin..<len; the passes start at its 16-aligned floor.
    begin &= ~(int64_t)15;
    // Pass 1: scores, 16 positions at a time, up to 8 rows per pass over K.
    for (int64_t pos0 = begin; pos0 < len; pos0 += 16) {
        const int64_t block = table[pos0 / a->block_size];
        const size_t element = KV == KV_Q8 ? 1 : 2;
        const void *kt = (const char *)a->k_cache +
                         (size_t)((block * a->num_kv_heads + g) * hd * a->block_size + pos0 % a->block_size) * element;
        const uint16_t *ks = KV == KV_Q8 ? a->k_scales + (block * a->num_kv_heads + g) * (hd / 32) * a->block_size +
                                               pos0 % a->block_size
                                         : NULL;
        const char *pf = NULL;
        if (pos0 + K_AHEAD < len) {
            const int64_t ahead = pos0 + K_AHEAD, ablock = table[ahead / a->block_size];
            pf = (const char *)a->k_cache + (size_t)((ablock * a->num_kv_heads + g) * hd * a->block_size + ahead % a->block_size) * element;
        }
        for (int64_t r0 = 0; r0 < rows; r0 += 8) {
#define SCORE(N) score_rows(KV, N, q + r0 * hd, kt, ks, r0 == 0 ? pf : NULL, a->block_size, hd, a->scale, pos0, \
                            row_len + r0, row_start + r0, scores + r0 * stride, stride)
            ROW_CASES(rows - r0, SCORE)
#undef SCORE
        }
        if (a->softcap > 0) {
            // Gemma 2's soft-capping, in the reference's scalar form (masked -inf stays -inf).
            for (int64_t r = 0; r < rows; r++)
                for (int64_t j = pos0; j < pos0 + 16; j++) scores[r * stride + j] = sl_attn_soft_cap(a, scores[r * stride + j]);
        }
    }
    // Softmax per row over the whole (16-padded) run; masked positions are -inf and weigh 0.
    const int64_t padded = (len + 15) & ~(int64_t)15;
    for (int64_t r = 0; r < rows; r++) {
        float *s = scores + r * stride;
        __m512 vmax = _mm512_set1_ps(-INFINITY);
        for (int64_t j = begin; j < padded; j += 16) vmax = _mm512_max_ps(vmax, _mm512_loadu_ps(s + j));
        const __m512 max = _mm512_set1_ps(_mm512_reduce_max_ps(vmax));
        __m512 vsum = _mm512_setzero_ps();
        for (int64_t j = begin; j < padded; j += 16) {
            const __m512 x = _mm512_loadu_ps(s + j);
            const __mmask16 live = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-INFINITY), _CMP_NEQ_OQ);
            const __m512 e = _mm512_maskz_mov_ps(live, sl_exp512(_mm512_sub_ps(x, max)));
            _mm512_storeu_ps(s + j, e);
            vsum = _mm512_add_ps(vsum, e);
        }
        const float sum = _mm512_reduce_add_ps(vsum);
        const __m512 inv = _mm512_set1_ps(sum > 0 ? 1.0f / sum : 0.0f);
        for (int64_t j = begin; j < padded; j += 16) _mm512_storeu_ps(s + j, round_f16_512(_mm512_mul_ps(_mm512_loadu_ps(s + j), inv)));
    }
    // Pass 2: weighted sums of V. A decode token's rows (a GQA group: 6 for Qwen2.5-1.5B, 7 for the 0.5B)
    // stream V, whose reads then overlap the FMAs; a run of tokens widens it to floats once per tile, where
    // streaming would widen each V row once per group of 6 rows (5 times for a 1.5B prefill run). Either way
    // each output element is one chain of FMAs in position order: both give the same bits.
    if (nt == 1) values_streamed(KV, a, table, g, rows, begin, row_len, scores, stride, out);
    else values_tiled(KV, a, table, g, rows, begin, len, row_len, scores, stride, out);
}

SL_AVX512_ATTN void sl_attention_run_avx512(const sl_attention_args *a, int64_t t0, int64_t nt, int64_t g, int64_t h0,
                                            int64_t h1, float *scores, int64_t stride) {
    switch (a->kv_type) {
    case SL_TYPE_BF16: attention_run(KV_BF16, a, t0, nt, g, h0, h1, scores, stride); break;
    case SL_TYPE_Q8_0: attention_run(KV_Q8, a, t0, nt, g, h0, h1, scores, stride); break;
    default: attention_run(KV_F16, a, t0, nt, g, h0, h1, scores, stride); break;
    }
}
#endif

