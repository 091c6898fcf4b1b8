// Paged attention: each token attends to positions 0..<context_len of its own
// sequence, reading K/V rows through the sequence's block table (never
// gathered into a contiguous copy). One task handles one (token, KV head) pair
// and every query head grouped on that KV head (GQA), so each K/V row is
// converted once per task. Two passes over the context: scores, then the
// weighted sum of V, with the weights rounded to f16 as llama.cpp does.
#include "sl_ops.h"

#include <math.h>
#include <string.h>

enum { MAX_HEAD_DIM = 256, MAX_GROUP = 16 };

/// The vector primitives of the kernel, per level.
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

static inline float round_to_f16(float x) { return sl_fp16_to_fp32(sl_fp32_to_fp16(x)); }

static inline const uint16_t *cache_row(const sl_attention_args *a, const uint16_t *cache, const int32_t *table,
                                        int64_t position, int64_t kv_head) {
    const int64_t slot = (int64_t)table[position / a->block_size] * a->block_size + position % a->block_size;
    return cache + (slot * a->num_kv_heads + kv_head) * a->head_dim;
}

static void attention_task(void *arg, int ith, int nth) {
    const sl_attention_args *a = arg;
    const int64_t group = a->num_heads / a->num_kv_heads;
    const int64_t hd = a->head_dim;
    const attention_vectors v = vectors_for(a->level);
    const int64_t num_tasks = a->num_tokens * a->num_kv_heads;
    float *scores = a->scratch + (int64_t)ith * group * a->max_context; // [group, maxContext]

    float row[MAX_HEAD_DIM];
    float q[MAX_GROUP][MAX_HEAD_DIM];
    float acc[MAX_GROUP][MAX_HEAD_DIM];

    for (int64_t task = ith; task < num_tasks; task += nth) {
        const int64_t t = task / a->num_kv_heads;
        const int64_t g = task % a->num_kv_heads;
        const int32_t *table = a->block_tables + (int64_t)a->token_seq[t] * a->max_blocks_per_seq;
        const int64_t len = a->context_lens[t];
        for (int64_t h = 0; h < group; h++) {
            const float *qh = a->q + (t * a->num_heads + g * group + h) * hd;
            for (int64_t d = 0; d < hd; d++) q[h][d] = round_to_f16(qh[d]);
            memset(acc[h], 0, sizeof(float) * (size_t)hd);
        }
        // Pass 1: scaled scores q.k for every position.
        for (int64_t j = 0; j < len; j++) {
            v.f16_to_f32(cache_row(a, a->k_cache, table, j, g), row, hd);
            for (int64_t h = 0; h < group; h++) scores[h * a->max_context + j] = v.dot(q[h], row, hd) * a->scale;
        }
        // Softmax per head; the weights are rounded to f16 like llama.cpp's KQV product sees them.
        for (int64_t h = 0; h < group; h++) {
            float *s = scores + h * a->max_context;
            float max = -INFINITY;
            for (int64_t j = 0; j < len; j++) max = s[j] > max ? s[j] : max;
            double sum = 0.0;
            for (int64_t j = 0; j < len; j++) {
                s[j] = expf(s[j] - max);
                sum += s[j];
            }
            const float inv = sum > 0.0 ? (float)(1.0 / sum) : 0.0f;
            for (int64_t j = 0; j < len; j++) s[j] = round_to_f16(s[j] * inv);
        }
        // Pass 2: weighted sum of V.
        for (int64_t j = 0; j < len; j++) {
            v.f16_to_f32(cache_row(a, a->v_cache, table, j, g), row, hd);
            for (int64_t h = 0; h < group; h++) v.axpy(scores[h * a->max_context + j], row, acc[h], hd);
        }
        for (int64_t h = 0; h < group; h++) {
            memcpy(a->out + (t * a->num_heads + g * group + h) * hd, acc[h], sizeof(float) * (size_t)hd);
        }
    }
}

void sl_paged_attention(sl_threadpool *pool, const sl_attention_args *args) {
    sl_threadpool_run(pool, attention_task, (void *)args);
}
