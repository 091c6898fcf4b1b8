// Paged attention: each token attends to positions 0..<context_len of its own
// sequence, reading K/V through the sequence's block table (never gathered
// into a contiguous copy).
//
// K blocks are stored transposed, [kvHead, headDim, blockSize] (as vLLM's CPU
// and GPU caches keep K in a position-minor layout), so 16 positions of one
// dimension are one 32-byte load: q.k for 16 positions is headDim FMAs with q
// broadcast, no horizontal sums. V blocks stay [blockSize, kvHead, headDim].
//
// One task is a run of consecutive tokens of one sequence (prefill) or a
// single token (decode) on one KV head, with every query head grouped on that
// KV head (GQA), so each K/V element is read once per task for all of them.
// Two passes: scores, then the weighted sum of V, with Q and the softmax
// weights rounded to f16 as llama.cpp's non-flash CPU path sees them.
#include "sl_ops.h"
#include "quants_types.h"

#include <math.h>
#include <stdatomic.h>
#include <string.h>

enum { MAX_HEAD_DIM = 256, MAX_GROUP = 16, MAX_ROWS = SL_ATTENTION_MAX_ROWS };

static inline float round_to_f16(float x) { return sl_fp16_to_fp32(sl_fp32_to_fp16(x)); }

/// Rows padded to 16 floats, plus 16 more: a stride of a multiple of 4 KiB would put every row of a task
/// in the same L1 sets, and 24 rows thrash an 8-way cache.
int64_t sl_attention_scores_stride(int64_t max_context) { return ((max_context + 15) & ~(int64_t)15) + 16; }

static inline int64_t slot_of(const sl_attention_args *a, const int32_t *table, int64_t position) {
    return (int64_t)table[position / a->block_size] * a->block_size + position % a->block_size;
}

/// Element d of K at `position`, through the transposed block layout.
static inline uint16_t key_at(const sl_attention_args *a, const int32_t *table, int64_t position, int64_t kv_head,
                              int64_t d) {
    const int64_t block = table[position / a->block_size];
    return a->k_cache[((block * a->num_kv_heads + kv_head) * a->head_dim + d) * a->block_size + position % a->block_size];
}

static inline const uint16_t *value_row(const sl_attention_args *a, const int32_t *table, int64_t position,
                                        int64_t kv_head) {
    return a->v_cache + (slot_of(a, table, position) * a->num_kv_heads + kv_head) * a->head_dim;
}

void sl_kv_cache_write(const float *k, const float *v, uint16_t *k_cache, uint16_t *v_cache,
                       const int64_t *slot_mapping, int64_t num_tokens, int64_t num_kv_heads, int64_t head_dim,
                       int64_t block_size) {
    const sl_type_traits *f16 = sl_get_type_traits(SL_TYPE_F16);
    const int64_t kv_dim = num_kv_heads * head_dim;
    for (int64_t t = 0; t < num_tokens; t++) {
        const int64_t slot = slot_mapping[t];
        if (slot < 0) continue;
        const int64_t block = slot / block_size, offset = slot % block_size;
        uint16_t *kb = k_cache + block * block_size * kv_dim + offset;
        for (int64_t i = 0; i < kv_dim; i++) kb[i * block_size] = sl_fp32_to_fp16(k[t * kv_dim + i]);
        f16->from_float(v + t * kv_dim, v_cache + slot * kv_dim, kv_dim);
    }
}

// MARK: - Reference (and AVX2) kernel: one token and one KV head per task

/// The vector primitives of the per-token kernel, per level.
typedef struct {
    void (*f16_to_f32)(const uint16_t *x, float *y, int64_t n);
    float (*dot)(const float *x, const float *y, int64_t n);
    void (*axpy)(float a, const float *x, float *y, int64_t n); // y += a * x
} attention_vectors;

static void f16_to_f32_ref(const uint16_t *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = sl_fp16_to_fp32(x[i]);
}
static float dot_ref(const float *x, const float *y, int64_t n) {
    float sum = 0.0f;
    for (int64_t i = 0; i < n; i++) sum += x[i] * y[i];
    return sum;
}
static void axpy_ref(float a, const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] += a * x[i];
}

#if defined(__x86_64__)
#include <immintrin.h>
#define SL_AVX2_ATTN __attribute__((target("avx2,fma,f16c")))
SL_AVX2_ATTN static void f16_to_f32_avx2(const uint16_t *x, float *y, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(x + i))));
    for (; i < n; i++) y[i] = sl_fp16_to_fp32(x[i]);
}
SL_AVX2_ATTN static float dot_avx2(const float *x, const float *y, int64_t n) {
    __m256 acc = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), acc);
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    float sum = _mm_cvtss_f32(s);
    for (; i < n; i++) sum += x[i] * y[i];
    return sum;
}
SL_AVX2_ATTN static void axpy_avx2(float a, const float *x, float *y, int64_t n) {
    const __m256 va = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += a * x[i];
}
#endif

static attention_vectors vectors_for(sl_level level) {
#if defined(__x86_64__)
    const int needed = SL_CPU_AVX2 | SL_CPU_FMA | SL_CPU_F16C;
    if (level >= SL_LEVEL_AVX2 && (sl_cpu_features() & needed) == needed) {
        return (attention_vectors){f16_to_f32_avx2, dot_avx2, axpy_avx2};
    }
#endif
    return (attention_vectors){f16_to_f32_ref, dot_ref, axpy_ref};
}

/// The first position a token with `len` positions of context sees: 0, or the start of its window.
static inline int64_t first_visible(const sl_attention_args *a, int64_t len) {
    return a->window > 0 && len > a->window ? len - a->window : 0;
}

/// Gemma 2's attention soft-capping of a scaled score; the identity when `softcap` is 0 (a masked -inf
/// stays -inf).
static inline float soft_cap(const sl_attention_args *a, float score) {
    return a->softcap > 0 && score != -INFINITY ? a->softcap * tanhf(score / a->softcap) : score;
}

static void attention_token(const sl_attention_args *a, const attention_vectors *v, int64_t t, int64_t g,
                            float *scores, int64_t stride) {
    const int64_t group = a->num_heads / a->num_kv_heads;
    const int64_t hd = a->head_dim;
    const int32_t *table = a->block_tables + (int64_t)a->token_seq[t] * a->max_blocks_per_seq;
    const int64_t len = a->context_lens[t];
    const int64_t start = first_visible(a, len);
    uint16_t raw[MAX_HEAD_DIM];
    float row[MAX_HEAD_DIM];
    float q[MAX_GROUP][MAX_HEAD_DIM];
    float acc[MAX_GROUP][MAX_HEAD_DIM];
    for (int64_t h = 0; h < group; h++) {
        const float *qh = a->q + (t * a->num_heads + g * group + h) * hd;
        for (int64_t d = 0; d < hd; d++) q[h][d] = round_to_f16(qh[d]);
        memset(acc[h], 0, sizeof(float) * (size_t)hd);
    }
    // Pass 1: scaled scores q.k for every position.
    for (int64_t j = start; j < len; j++) {
        for (int64_t d = 0; d < hd; d++) raw[d] = key_at(a, table, j, g, d);
        v->f16_to_f32(raw, row, hd);
        for (int64_t h = 0; h < group; h++) scores[h * stride + j] = soft_cap(a, v->dot(q[h], row, hd) * a->scale);
    }
    // Softmax per head; the weights are rounded to f16 like llama.cpp's KQV product sees them.
    for (int64_t h = 0; h < group; h++) {
        float *s = scores + h * stride;
        float max = -INFINITY;
        for (int64_t j = start; j < len; j++) max = s[j] > max ? s[j] : max;
        double sum = 0.0;
        for (int64_t j = start; j < len; j++) {
            s[j] = expf(s[j] - max);
            sum += s[j];
        }
        const float inv = sum > 0.0 ? (float)(1.0 / sum) : 0.0f;
        for (int64_t j = start; j < len; j++) s[j] = round_to_f16(s[j] * inv);
    }
    // Pass 2: weighted sum of V.
    for (int64_t j = start; j < len; j++) {
        v->f16_to_f32(value_row(a, table, j, g), row, hd);
        for (int64_t h = 0; h < group; h++) v->axpy(scores[h * stride + j], row, acc[h], hd);
    }
    for (int64_t h = 0; h < group; h++) {
        memcpy(a->out + (t * a->num_heads + g * group + h) * hd, acc[h], sizeof(float) * (size_t)hd);
    }
}

// MARK: - AVX-512 kernel: a run of tokens of one sequence per task

#if defined(__x86_64__)
#include "simd_math_avx512.h"
#define SL_AVX512_ATTN __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq")))
#define ALWAYS_INLINE static inline __attribute__((always_inline))

ALWAYS_INLINE SL_AVX512_ATTN __m512 round_f16_512(__m512 x) {
    return _mm512_cvtph_ps(_mm512_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

/// Scores of `NR` rows (q rows r0...) for the 16 positions pos0... whose transposed K starts at `kt`.
ALWAYS_INLINE SL_AVX512_ATTN void score_rows(const int NR, const float *q, int64_t q_stride, const uint16_t *kt,
                                             int64_t block_size, int64_t hd, float scale, int64_t pos0,
                                             const int32_t *row_len, const int32_t *row_start, float *scores,
                                             int64_t stride) {
    // Each accumulator is a chain of dependent FMAs; the dimensions are split over two accumulators per
    // row so decode (3 rows) still has 6 chains in flight. The split must not depend on NR: a row's sum
    // order would then depend on what else is in the batch, and batching must not change results.
    enum { MAX_SPLIT = 2, S = 2 };
    __m512 acc[MAX_SPLIT][8];
    for (int k = 0; k < S; k++)
        for (int r = 0; r < NR; r++) acc[k][r] = _mm512_setzero_ps();
    for (int64_t d = 0; d < hd; d += S) {
        for (int k = 0; k < S; k++) {
            const __m512 kv = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(kt + (d + k) * block_size)));
            for (int r = 0; r < NR; r++) acc[k][r] = _mm512_fmadd_ps(_mm512_set1_ps(q[r * q_stride + d + k]), kv, acc[k][r]);
        }
    }
    for (int k = 1; k < S; k++)
        for (int r = 0; r < NR; r++) acc[0][r] = _mm512_add_ps(acc[0][r], acc[k][r]);
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

/// out rows = Σ_j p[r][j] V[j] for `NR` rows (up to 6) over the 64 head dims from 16 * c0, positions
/// 0..<len. Six rows by a quarter of 128 dims fit the registers, so a 128-dim head's GQA group of 6
/// reads each V row once per half instead of once per pair of rows; each output element is still one
/// chain of FMAs in position order, whatever the rows around it (batching changes nothing).
ALWAYS_INLINE SL_AVX512_ATTN void weigh_values(const int NR, int64_t c0, const sl_attention_args *a,
                                               const int32_t *table, int64_t g, int64_t begin, int64_t len,
                                               const float *p, int64_t stride, float *const *out) {
    enum { D16 = 4, AHEAD = 16 };
    __m512 acc[6][D16];
    for (int r = 0; r < NR; r++)
        for (int c = 0; c < D16; c++) acc[r][c] = _mm512_setzero_ps();
    for (int64_t j = begin; j < len; j++) {
        const uint16_t *vr = value_row(a, table, j, g) + 16 * c0;
        if (j + AHEAD < len) {
            // The rows are strided by the other KV heads: ask for them ahead of the loads.
            const char *next = (const char *)(value_row(a, table, j + AHEAD, g) + 16 * c0);
            _mm_prefetch(next, _MM_HINT_T0);
            _mm_prefetch(next + 64, _MM_HINT_T0);
        }
        __m512 v[D16];
        for (int c = 0; c < D16; c++) v[c] = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(vr + 16 * c)));
        for (int r = 0; r < NR; r++) {
            const __m512 w = _mm512_set1_ps(p[r * stride + j]);
            for (int c = 0; c < D16; c++) acc[r][c] = _mm512_fmadd_ps(w, v[c], acc[r][c]);
        }
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

/// Tokens t0..<t0+nt (one sequence) on KV head g. Needs head_dim a multiple of 64 (at most 256) and block_size a multiple of 16.
static SL_AVX512_ATTN void attention_run_avx512(const sl_attention_args *a, int64_t t0, int64_t nt, int64_t g,
                                               float *scores, int64_t stride) {
    const int64_t group = a->num_heads / a->num_kv_heads;
    const int64_t hd = a->head_dim;
    const int64_t rows = nt * group;
    const int32_t *table = a->block_tables + (int64_t)a->token_seq[t0] * a->max_blocks_per_seq;
    float q[MAX_ROWS * MAX_HEAD_DIM] __attribute__((aligned(64)));
    int32_t row_len[MAX_ROWS], row_start[MAX_ROWS];
    float *out[MAX_ROWS];
    int64_t len = 0, begin = INT64_MAX;
    for (int64_t i = 0; i < nt; i++) {
        const int64_t t = t0 + i;
        len = a->context_lens[t] > len ? a->context_lens[t] : len;
        const int64_t start = first_visible(a, a->context_lens[t]);
        begin = start < begin ? start : begin;
        for (int64_t h = 0; h < group; h++) {
            const int64_t r = i * group + h;
            const float *qh = a->q + (t * a->num_heads + g * group + h) * hd;
            for (int64_t d = 0; d < hd; d += 16) _mm512_storeu_ps(q + r * hd + d, round_f16_512(_mm512_loadu_ps(qh + d)));
            row_len[r] = a->context_lens[t];
            row_start[r] = (int32_t)start;
            out[r] = a->out + (t * a->num_heads + g * group + h) * hd;
        }
    }
    // Every row's visible positions lie in begin..<len; the passes start at its 16-aligned floor.
    begin &= ~(int64_t)15;
    // Pass 1: scores, 16 positions at a time, up to 8 rows per pass over K.
    for (int64_t pos0 = begin; pos0 < len; pos0 += 16) {
        const int64_t block = table[pos0 / a->block_size];
        const uint16_t *kt = a->k_cache + (block * a->num_kv_heads + g) * hd * a->block_size + pos0 % a->block_size;
        for (int64_t r0 = 0; r0 < rows; r0 += 8) {
#define SCORE(N) score_rows(N, q + r0 * hd, hd, kt, a->block_size, hd, a->scale, pos0, row_len + r0, row_start + r0, \
                            scores + r0 * stride, stride)
            ROW_CASES(rows - r0, SCORE)
#undef SCORE
        }
        if (a->softcap > 0) {
            // Gemma 2's soft-capping, in the reference's scalar form (masked -inf stays -inf).
            for (int64_t r = 0; r < rows; r++)
                for (int64_t j = pos0; j < pos0 + 16; j++) scores[r * stride + j] = soft_cap(a, scores[r * stride + j]);
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
    // Pass 2: weighted sums of V, 6 rows per pass over each 64 dims of V.
    for (int64_t c0 = 0; c0 < hd / 16; c0 += 4) {
        for (int64_t r0 = 0; r0 < rows; r0 += 6) {
            const int64_t nr = rows - r0 < 6 ? rows - r0 : 6;
            int64_t run_len = 0;
            for (int64_t r = r0; r < r0 + nr; r++) run_len = row_len[r] > run_len ? row_len[r] : run_len;
            const float *p = scores + r0 * stride;
            switch (nr) {
            case 1: weigh_values(1, c0, a, table, g, begin, run_len, p, stride, out + r0); break;
            case 2: weigh_values(2, c0, a, table, g, begin, run_len, p, stride, out + r0); break;
            case 3: weigh_values(3, c0, a, table, g, begin, run_len, p, stride, out + r0); break;
            case 4: weigh_values(4, c0, a, table, g, begin, run_len, p, stride, out + r0); break;
            case 5: weigh_values(5, c0, a, table, g, begin, run_len, p, stride, out + r0); break;
            default: weigh_values(6, c0, a, table, g, begin, run_len, p, stride, out + r0); break;
            }
        }
    }
}
#endif

// MARK: - Task split

/// Tokens per task: a run of one sequence, as long as its rows fit MAX_ROWS.
static int64_t run_tokens(const sl_attention_args *a) {
    const int64_t group = a->num_heads / a->num_kv_heads;
    const int64_t n = MAX_ROWS / group;
    return n < 8 ? (n < 1 ? 1 : n) : 8;
}

static int fast_path(const sl_attention_args *a) {
#if defined(__x86_64__)
    const int needed = sl_level_features(SL_LEVEL_AVX512) | SL_CPU_AVX512F;
    return a->level >= SL_LEVEL_AVX512 && (sl_enabled_features() & needed) == needed &&
           a->head_dim % 64 == 0 && a->head_dim <= MAX_HEAD_DIM && a->block_size % 16 == 0;
#else
    (void)a;
    return 0;
#endif
}

typedef struct {
    const sl_attention_args *args;
    _Atomic int64_t next;
} attention_ctx;

static void attention_task(void *arg, int ith, int nth) {
    attention_ctx *ctx = arg;
    const sl_attention_args *a = ctx->args;
    const int64_t stride = sl_attention_scores_stride(a->max_context);
    float *scores = a->scratch + (int64_t)ith * MAX_ROWS * stride;
    const int64_t chunk = run_tokens(a);
    const int64_t chunks = (a->num_tokens + chunk - 1) / chunk;
    const int fast = fast_path(a);
    const attention_vectors v = vectors_for(a->level);
    (void)nth;
    // Tasks are taken from a shared counter, so a preempted thread delays only the task it holds.
    for (;;) {
        const int64_t task = atomic_fetch_add_explicit(&ctx->next, 1, memory_order_relaxed);
        if (task >= chunks * a->num_kv_heads) break;
        const int64_t c = task / a->num_kv_heads, g = task % a->num_kv_heads;
        const int64_t end = (c + 1) * chunk < a->num_tokens ? (c + 1) * chunk : a->num_tokens;
        for (int64_t t0 = c * chunk; t0 < end;) {
            int64_t t1 = t0 + 1;
            while (t1 < end && a->token_seq[t1] == a->token_seq[t0]) t1++;
#if defined(__x86_64__)
            if (fast) {
                attention_run_avx512(a, t0, t1 - t0, g, scores, stride);
                t0 = t1;
                continue;
            }
#endif
            for (int64_t t = t0; t < t1; t++) attention_token(a, &v, t, g, scores, stride);
            t0 = t1;
        }
    }
    (void)fast;
}

void sl_paged_attention(sl_threadpool *pool, const sl_attention_args *args) {
    attention_ctx ctx = {.args = args};
    atomic_init(&ctx.next, 0);
    sl_threadpool_run(pool, attention_task, &ctx);
}
