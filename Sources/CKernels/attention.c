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
    const sl_to_float_fn f16_to_f32 = sl_get_type_traits(SL_TYPE_F16)->to_float;
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
            f16_to_f32(cache_row(a, a->k_cache, table, j, g), row, hd);
            for (int64_t h = 0; h < group; h++) {
                float dot = 0.0f;
                for (int64_t d = 0; d < hd; d++) dot += q[h][d] * row[d];
                scores[h * a->max_context + j] = dot * a->scale;
            }
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
            f16_to_f32(cache_row(a, a->v_cache, table, j, g), row, hd);
            for (int64_t h = 0; h < group; h++) {
                const float w = scores[h * a->max_context + j];
                for (int64_t d = 0; d < hd; d++) acc[h][d] += w * row[d];
            }
        }
        for (int64_t h = 0; h < group; h++) {
            memcpy(a->out + (t * a->num_heads + g * group + h) * hd, acc[h], sizeof(float) * (size_t)hd);
        }
    }
}

void sl_paged_attention(sl_threadpool *pool, const sl_attention_args *args) {
    sl_threadpool_run(pool, attention_task, (void *)args);
}
