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
//
// The cache holds f16, bf16 or Q8_0 elements (`kv_type`). Q8_0 keeps int8 values in the same layouts
// and one f16 scale per 32 head dims of each position: K's scales [block, kvHead, headDim / 32,
// blockSize] (position-minor like K), V's [slot, kvHead, headDim / 32].
#include "attention_internal.h"
#include "quants_types.h"

#include <math.h>
#include <stdatomic.h>
#include <string.h>

enum { MAX_HEAD_DIM = SL_ATTN_MAX_HEAD_DIM, MAX_GROUP = SL_ATTN_MAX_GROUP, MAX_ROWS = SL_ATTN_MAX_ROWS };

static inline float round_to_f16(float x) { return sl_fp16_to_fp32(sl_fp32_to_fp16(x)); }

/// Rows padded to 16 floats, plus 16 more: a stride of a multiple of 4 KiB would put every row of a task
/// in the same L1 sets, and 24 rows thrash an 8-way cache.
int64_t sl_attention_scores_stride(int64_t max_context) { return ((max_context + 15) & ~(int64_t)15) + 16; }

static inline int64_t slot_of(const sl_attention_args *a, const int32_t *table, int64_t position) {
    return (int64_t)table[position / a->block_size] * a->block_size + position % a->block_size;
}

static inline float bf16_to_f32(uint16_t h) {
    const uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static inline uint16_t f32_to_bf16(float f) {
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    if ((bits & 0x7FFFFFFF) > 0x7F800000) return (uint16_t)((bits >> 16) | 64); // NaN stays NaN
    return (uint16_t)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);                // round to nearest even
}

int sl_kv_type_supported(sl_type type, int64_t head_dim) {
    switch (type) {
    case SL_TYPE_F16: case SL_TYPE_BF16: return 1;
    case SL_TYPE_Q8_0: return head_dim % 32 == 0;
    default: return 0;
    }
}

size_t sl_kv_element_size(sl_type type) { return type == SL_TYPE_Q8_0 ? 1 : 2; }

/// Index of element d of K at `position` in the transposed block layout (in elements).
static inline int64_t key_index(const sl_attention_args *a, const int32_t *table, int64_t position, int64_t kv_head,
                                int64_t d) {
    const int64_t block = table[position / a->block_size];
    return ((block * a->num_kv_heads + kv_head) * a->head_dim + d) * a->block_size + position % a->block_size;
}

/// Element d of K at `position`, as a float.
static inline float key_at(const sl_attention_args *a, const int32_t *table, int64_t position, int64_t kv_head,
                           int64_t d) {
    const int64_t i = key_index(a, table, position, kv_head, d);
    switch (a->kv_type) {
    case SL_TYPE_BF16: return bf16_to_f32(((const uint16_t *)a->k_cache)[i]);
    case SL_TYPE_Q8_0: {
        const int64_t block = table[position / a->block_size];
        const int64_t s = ((block * a->num_kv_heads + kv_head) * (a->head_dim / 32) + d / 32) * a->block_size +
                          position % a->block_size;
        return (float)((const int8_t *)a->k_cache)[i] * sl_fp16_to_fp32(a->k_scales[s]);
    }
    default: return sl_fp16_to_fp32(((const uint16_t *)a->k_cache)[i]);
    }
}

/// Index of the first element of V at `position` (in elements; its scales at the same index / 32).
static inline int64_t value_index(const sl_attention_args *a, const int32_t *table, int64_t position, int64_t kv_head) {
    return (slot_of(a, table, position) * a->num_kv_heads + kv_head) * a->head_dim;
}

/// V at `position` as floats.
static void value_floats(const sl_attention_args *a, const int32_t *table, int64_t position, int64_t kv_head, float *out) {
    const int64_t i = value_index(a, table, position, kv_head);
    for (int64_t d = 0; d < a->head_dim; d++) {
        switch (a->kv_type) {
        case SL_TYPE_BF16: out[d] = bf16_to_f32(((const uint16_t *)a->v_cache)[i + d]); break;
        case SL_TYPE_Q8_0:
            out[d] = (float)((const int8_t *)a->v_cache)[i + d] * sl_fp16_to_fp32(a->v_scales[(i + d) / 32]);
            break;
        default: out[d] = sl_fp16_to_fp32(((const uint16_t *)a->v_cache)[i + d]); break;
        }
    }
}

/// Q8_0 of 32 values as llama.cpp quantizes a block: d = max|x| / 127, q = round(x / d), d kept in f16.
static uint16_t quantize_32(const float *x, int64_t x_stride, int8_t *q, int64_t q_stride) {
    float amax = 0;
    for (int i = 0; i < 32; i++) amax = fmaxf(amax, fabsf(x[i * x_stride]));
    const float d = amax / 127.0f, id = d != 0 ? 1.0f / d : 0.0f;
    for (int i = 0; i < 32; i++) q[i * q_stride] = (int8_t)roundf(x[i * x_stride] * id);
    return sl_fp32_to_fp16(d);
}

void sl_kv_cache_write_typed(sl_type type, const float *k, const float *v, void *k_cache, void *v_cache,
                             uint16_t *k_scales, uint16_t *v_scales, const int64_t *slot_mapping, int64_t num_tokens,
                             int64_t num_kv_heads, int64_t head_dim, int64_t block_size) {
    const int64_t kv_dim = num_kv_heads * head_dim;
    for (int64_t t = 0; t < num_tokens; t++) {
        const int64_t slot = slot_mapping[t];
        if (slot < 0) continue;
        const int64_t block = slot / block_size, offset = slot % block_size;
        const float *kt = k + t * kv_dim, *vt = v + t * kv_dim;
        switch (type) {
        case SL_TYPE_Q8_0: {
            int8_t *kb = (int8_t *)k_cache + block * block_size * kv_dim + offset;
            uint16_t *ks = k_scales + block * block_size * (kv_dim / 32) + offset;
            for (int64_t c = 0; c < kv_dim / 32; c++) {
                // K's 32 dims of this position lie block_size apart (transposed); V's are contiguous.
                ks[c * block_size] = quantize_32(kt + 32 * c, 1, kb + 32 * c * block_size, block_size);
                v_scales[slot * (kv_dim / 32) + c] = quantize_32(vt + 32 * c, 1, (int8_t *)v_cache + slot * kv_dim + 32 * c, 1);
            }
            break;
        }
        case SL_TYPE_BF16: {
            uint16_t *kb = (uint16_t *)k_cache + block * block_size * kv_dim + offset;
            for (int64_t i = 0; i < kv_dim; i++) {
                kb[i * block_size] = f32_to_bf16(kt[i]);
                ((uint16_t *)v_cache)[slot * kv_dim + i] = f32_to_bf16(vt[i]);
            }
            break;
        }
        default: {
            uint16_t *kb = (uint16_t *)k_cache + block * block_size * kv_dim + offset;
            for (int64_t i = 0; i < kv_dim; i++) {
                kb[i * block_size] = sl_fp32_to_fp16(kt[i]);
                ((uint16_t *)v_cache)[slot * kv_dim + i] = sl_fp32_to_fp16(vt[i]);
            }
            break;
        }
        }
    }
}

void sl_kv_cache_write(const float *k, const float *v, uint16_t *k_cache, uint16_t *v_cache,
                       const int64_t *slot_mapping, int64_t num_tokens, int64_t num_kv_heads, int64_t head_dim,
                       int64_t block_size) {
    sl_kv_cache_write_typed(SL_TYPE_F16, k, v, k_cache, v_cache, NULL, NULL, slot_mapping, num_tokens, num_kv_heads,
                            head_dim, block_size);
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

/// Token t's query heads h0..<h1 of KV head g's group.
static void attention_token(const sl_attention_args *a, const attention_vectors *v, int64_t t, int64_t g, int64_t h0,
                            int64_t h1, float *scores, int64_t stride) {
    const int64_t group = a->num_heads / a->num_kv_heads;
    const int64_t hd = a->head_dim;
    const int32_t *table = a->block_tables + (int64_t)a->token_seq[t] * a->max_blocks_per_seq;
    const int64_t len = a->context_lens[t];
    const int64_t start = sl_attn_first_visible(a, len);
    uint16_t raw[MAX_HEAD_DIM];
    float row[MAX_HEAD_DIM];
    float q[MAX_GROUP][MAX_HEAD_DIM];
    float acc[MAX_GROUP][MAX_HEAD_DIM];
    for (int64_t h = h0; h < h1; h++) {
        const float *qh = a->q + (t * a->num_heads + g * group + h) * hd;
        for (int64_t d = 0; d < hd; d++) q[h][d] = round_to_f16(qh[d]);
        memset(acc[h], 0, sizeof(float) * (size_t)hd);
    }
    // Pass 1: scaled scores q.k for every position.
    for (int64_t j = start; j < len; j++) {
        if (a->kv_type == SL_TYPE_F16) {
            for (int64_t d = 0; d < hd; d++) raw[d] = ((const uint16_t *)a->k_cache)[key_index(a, table, j, g, d)];
            v->f16_to_f32(raw, row, hd);
        } else {
            for (int64_t d = 0; d < hd; d++) row[d] = key_at(a, table, j, g, d);
        }
        for (int64_t h = h0; h < h1; h++) scores[h * stride + j] = sl_attn_soft_cap(a, v->dot(q[h], row, hd) * a->scale);
    }
    for (int64_t h = h0; h < h1; h++) sl_attn_softmax(scores + h * stride, start, len);
    // Pass 2: weighted sum of V.
    for (int64_t j = start; j < len; j++) {
        if (a->kv_type == SL_TYPE_F16) {
            v->f16_to_f32((const uint16_t *)a->v_cache + value_index(a, table, j, g), row, hd);
        } else {
            value_floats(a, table, j, g, row);
        }
        for (int64_t h = h0; h < h1; h++) v->axpy(scores[h * stride + j], row, acc[h], hd);
    }
    for (int64_t h = h0; h < h1; h++) {
        memcpy(a->out + (t * a->num_heads + g * group + h) * hd, acc[h], sizeof(float) * (size_t)hd);
    }
}

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

/// The AVX2 kernel (arch/x86/attention_avx2.c) takes an f16 cache whose head dim is a multiple of 16
/// and whose blocks are a multiple of 8 positions, where AVX-512 is absent or off.
static int avx2_path(const sl_attention_args *a) {
#if defined(__x86_64__)
    const int needed = SL_CPU_AVX2 | SL_CPU_FMA | SL_CPU_F16C;
    return a->level >= SL_LEVEL_AVX2 && (sl_enabled_features() & needed) == needed && a->kv_type == SL_TYPE_F16 &&
           a->head_dim % 16 == 0 && a->head_dim <= MAX_HEAD_DIM && a->block_size % 8 == 0;
#else
    (void)a;
    return 0;
#endif
}

typedef struct {
    const sl_attention_args *args;
    int64_t parts; // each task's query heads, split into this many tasks
    _Atomic int64_t next;
} attention_ctx;

static void attention_task(void *arg, int ith, int nth) {
    attention_ctx *ctx = arg;
    const sl_attention_args *a = ctx->args;
    const int64_t stride = sl_attention_scores_stride(a->max_context);
    float *scores = a->scratch + (int64_t)ith * MAX_ROWS * stride;
    const int64_t chunk = run_tokens(a);
    const int64_t chunks = (a->num_tokens + chunk - 1) / chunk;
    const int fast = fast_path(a), avx2 = !fast && avx2_path(a);
    const attention_vectors v = vectors_for(a->level);
    (void)nth;
    // Tasks are taken from a shared counter, so a preempted thread delays only the task it holds.
    const int64_t group = a->num_heads / a->num_kv_heads, parts = ctx->parts;
    for (;;) {
        const int64_t task = atomic_fetch_add_explicit(&ctx->next, 1, memory_order_relaxed);
        if (task >= chunks * a->num_kv_heads * parts) break;
        const int64_t c = task / (a->num_kv_heads * parts), g = task / parts % a->num_kv_heads, p = task % parts;
        const int64_t h0 = p * group / parts, h1 = (p + 1) * group / parts;
        const int64_t end = (c + 1) * chunk < a->num_tokens ? (c + 1) * chunk : a->num_tokens;
        for (int64_t t0 = c * chunk; t0 < end;) {
            int64_t t1 = t0 + 1;
            while (t1 < end && a->token_seq[t1] == a->token_seq[t0]) t1++;
#if defined(__x86_64__)
            if (fast) {
                sl_attention_run_avx512(a, t0, t1 - t0, g, h0, h1, scores, stride);
                t0 = t1;
                continue;
            }
#endif
#if defined(__x86_64__)
            if (avx2) {
                for (int64_t t = t0; t < t1; t++) sl_attention_token_avx2(a, t, g, h0, h1, scores, stride);
                t0 = t1;
                continue;
            }
#endif
            for (int64_t t = t0; t < t1; t++) attention_token(a, &v, t, g, h0, h1, scores, stride);
            t0 = t1;
        }
    }
    (void)fast;
    (void)avx2;
}

/// Query heads per task: a GQA group, unless there are fewer tasks (runs of tokens times KV heads) than
/// threads, as in decoding one sequence of a model with one KV head (Gemma 3) or few: then each group is
/// split among the threads (each part reads its KV head's keys and values itself). A row's scores, softmax
/// and weighted sum never depend on the rows beside it, so the split changes no result.
static int64_t head_parts(const sl_attention_args *a, int nth) {
    const int64_t group = a->num_heads / a->num_kv_heads;
    const int64_t chunk = run_tokens(a), tasks = (a->num_tokens + chunk - 1) / chunk * a->num_kv_heads;
    if (tasks >= nth || group < 2) return 1;
    const int64_t parts = (nth + tasks - 1) / tasks;
    return parts < group ? parts : group;
}

void sl_paged_attention(sl_threadpool *pool, const sl_attention_args *args) {
    attention_ctx ctx = {.args = args, .parts = head_parts(args, sl_threadpool_size(pool))};
    atomic_init(&ctx.next, 0);
    sl_threadpool_run(pool, attention_task, &ctx);
}
