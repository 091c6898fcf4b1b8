// Paged attention: each token attends to positions 0..<context_len of its own
// sequence, reading K/V rows through the sequence's block table (never
// gathered into a contiguous copy), with an online softmax. One task handles
// one (token, KV head) pair and every query head grouped on that KV head
// (GQA), so each K/V row is converted once per task.
#include "sl_ops.h"

#include <math.h>
#include <string.h>

enum { MAX_HEAD_DIM = 256, MAX_GROUP = 16 };

static void attention_task(void *arg, int ith, int nth) {
    const sl_attention_args *a = arg;
    const int64_t group = a->num_heads / a->num_kv_heads;
    const int64_t hd = a->head_dim;
    const int64_t kv_dim = a->num_kv_heads * hd;
    const sl_to_float_fn f16_to_f32 = sl_get_type_traits(SL_TYPE_F16)->to_float;
    const int64_t num_tasks = a->num_tokens * a->num_kv_heads;

    float k_row[MAX_HEAD_DIM], v_row[MAX_HEAD_DIM];
    float acc[MAX_GROUP][MAX_HEAD_DIM];
    float running_max[MAX_GROUP], running_sum[MAX_GROUP];

    for (int64_t task = ith; task < num_tasks; task += nth) {
        const int64_t t = task / a->num_kv_heads;
        const int64_t g = task % a->num_kv_heads;
        const int32_t *table = a->block_tables + (int64_t)a->token_seq[t] * a->max_blocks_per_seq;
        const float *q = a->q + (t * a->num_heads + g * group) * hd;
        for (int64_t h = 0; h < group; h++) {
            running_max[h] = -INFINITY;
            running_sum[h] = 0.0f;
            memset(acc[h], 0, sizeof(float) * (size_t)hd);
        }
        const int64_t len = a->context_lens[t];
        for (int64_t j = 0; j < len; j++) {
            const int64_t slot = (int64_t)table[j / a->block_size] * a->block_size + j % a->block_size;
            f16_to_f32(a->k_cache + slot * kv_dim + g * hd, k_row, hd);
            f16_to_f32(a->v_cache + slot * kv_dim + g * hd, v_row, hd);
            for (int64_t h = 0; h < group; h++) {
                const float *qh = q + h * hd;
                float score = 0.0f;
                for (int64_t d = 0; d < hd; d++) score += qh[d] * k_row[d];
                score *= a->scale;
                float weight;
                if (score > running_max[h]) {
                    const float correction = expf(running_max[h] - score);
                    running_sum[h] *= correction;
                    for (int64_t d = 0; d < hd; d++) acc[h][d] *= correction;
                    running_max[h] = score;
                    weight = 1.0f;
                } else {
                    weight = expf(score - running_max[h]);
                }
                running_sum[h] += weight;
                for (int64_t d = 0; d < hd; d++) acc[h][d] += weight * v_row[d];
            }
        }
        for (int64_t h = 0; h < group; h++) {
            float *out = a->out + (t * a->num_heads + g * group + h) * hd;
            const float inv = running_sum[h] > 0.0f ? 1.0f / running_sum[h] : 0.0f;
            for (int64_t d = 0; d < hd; d++) out[d] = acc[h][d] * inv;
        }
    }
}

void sl_paged_attention(sl_threadpool *pool, const sl_attention_args *args) {
    sl_threadpool_run(pool, attention_task, (void *)args);
}
