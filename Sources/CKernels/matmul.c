// Quantized matrix multiply: activations are quantized once to the weight
// type's vec_dot partner (as ggml does), then output rows are split across
// the pool's threads; each thread walks its rows in small groups so a weight
// row is reused from cache for every token of the batch.
#include "sl_ops.h"

#include <string.h>

typedef struct {
    const sl_type_traits *weight;
    const sl_type_traits *activation;
    const void *w;
    int64_t rows, cols, num_tokens;
    const float *x;
    float *y;
    void *xq;
    size_t w_row_size, x_row_size;
} matmul_ctx;

size_t sl_matmul_scratch_size(sl_type weight_type, int64_t cols, int64_t num_tokens) {
    const sl_type_traits *traits = sl_get_type_traits(weight_type);
    if (!traits) return 0;
    return sl_row_size(traits->vec_dot_type, cols) * (size_t)num_tokens;
}

static void quantize_task(void *arg, int ith, int nth) {
    matmul_ctx *ctx = arg;
    for (int64_t t = ith; t < ctx->num_tokens; t += nth) {
        ctx->activation->from_float(ctx->x + t * ctx->cols, (char *)ctx->xq + (size_t)t * ctx->x_row_size, ctx->cols);
    }
}

static void dot_task(void *arg, int ith, int nth) {
    matmul_ctx *ctx = arg;
    const int64_t per_thread = (ctx->rows + nth - 1) / nth;
    const int64_t begin = per_thread * ith;
    const int64_t end = begin + per_thread < ctx->rows ? begin + per_thread : ctx->rows;
    const sl_vec_dot_fn vec_dot = ctx->weight->vec_dot;
    enum { ROW_GROUP = 16 };
    for (int64_t r0 = begin; r0 < end; r0 += ROW_GROUP) {
        const int64_t r1 = r0 + ROW_GROUP < end ? r0 + ROW_GROUP : end;
        for (int64_t t = 0; t < ctx->num_tokens; t++) {
            const char *xrow = (const char *)ctx->xq + (size_t)t * ctx->x_row_size;
            float *yrow = ctx->y + t * ctx->rows;
            for (int64_t r = r0; r < r1; r++) {
                vec_dot((int)ctx->cols, &yrow[r], (const char *)ctx->w + (size_t)r * ctx->w_row_size, xrow);
            }
        }
    }
}

void sl_matmul(sl_threadpool *pool, sl_type weight_type, const void *weight, int64_t rows, int64_t cols,
               const float *x, int64_t num_tokens, float *y, void *scratch) {
    const sl_type_traits *traits = sl_get_type_traits(weight_type);
    matmul_ctx ctx = {
        .weight = traits,
        .activation = sl_get_type_traits(traits->vec_dot_type),
        .w = weight,
        .rows = rows,
        .cols = cols,
        .num_tokens = num_tokens,
        .x = x,
        .y = y,
        .xq = scratch,
        .w_row_size = sl_row_size(weight_type, cols),
        .x_row_size = sl_row_size(traits->vec_dot_type, cols),
    };
    if (traits->vec_dot_type == SL_TYPE_F32) {
        ctx.xq = (void *)x;
    } else {
        sl_threadpool_run(pool, quantize_task, &ctx);
    }
    sl_threadpool_run(pool, dot_task, &ctx);
}
