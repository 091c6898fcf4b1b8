// Packed GEMM: the packer, the activation quantizer, the scalar reference of
// every kernel, and the thread split. The AVX-512 kernels are in gemm_avx512.c.
#include "gemm_internal.h"
#include "include/sl_ops.h"

#include <math.h>
#include <stdatomic.h>
#include <string.h>

// MARK: - Layout

int sl_packed_supports(sl_type type) {
    return type == SL_TYPE_Q4_0 || type == SL_TYPE_Q4_1 || type == SL_TYPE_Q8_0;
}

int sl_packed_wants_unsigned(sl_type type) { return type == SL_TYPE_Q8_0; }

sl_level sl_packed_best_level(void) {
    const int needed = sl_level_features(SL_LEVEL_AVX512);
    return (sl_enabled_features() & needed) == needed ? SL_LEVEL_AVX512 : SL_LEVEL_SCALAR;
}

static size_t block_stride(sl_type type) {
    switch (type) {
    case SL_TYPE_Q4_0: return PACK_Q4_QS + PACK_SCALES;
    case SL_TYPE_Q4_1: return PACK_Q4_QS + 2 * PACK_SCALES;
    case SL_TYPE_Q8_0: return PACK_Q8_QS + 2 * PACK_SCALES;
    default: return 0;
    }
}

static int64_t group_count(int64_t rows) { return (rows + SL_PACK_ROWS - 1) / SL_PACK_ROWS; }

size_t sl_packed_size(sl_type type, int64_t rows, int64_t cols) {
    if (!sl_packed_supports(type) || rows <= 0 || cols <= 0 || cols % 32 != 0) return 0;
    return (size_t)group_count(rows) * (size_t)(cols / 32) * block_stride(type);
}

void sl_packed_init(sl_packed_matrix *m, sl_type type, int64_t rows, int64_t cols, void *data) {
    m->type = type;
    m->rows = rows;
    m->cols = cols;
    m->groups = group_count(rows);
    m->block_stride = block_stride(type);
    m->data = data;
    memset(data, 0, sl_packed_size(type, rows, cols));
}

static uint8_t *packed_block(const sl_packed_matrix *m, int64_t group, int64_t block) {
    return (uint8_t *)m->data + ((size_t)group * (size_t)(m->cols / 32) + (size_t)block) * m->block_stride;
}

void sl_pack_rows(sl_packed_matrix *m, int64_t first_row, const void *src, int64_t rows) {
    const int64_t nb = m->cols / 32;
    const size_t row_size = sl_row_size(m->type, m->cols);
    for (int64_t i = 0; i < rows; i++) {
        const int64_t row = first_row + i;
        const int64_t group = row / SL_PACK_ROWS, r = row % SL_PACK_ROWS;
        const uint8_t *src_row = (const uint8_t *)src + (size_t)i * row_size;
        for (int64_t b = 0; b < nb; b++) {
            uint8_t *dst = packed_block(m, group, b);
            uint16_t *scales = (uint16_t *)(dst + (m->type == SL_TYPE_Q8_0 ? PACK_Q8_QS : PACK_Q4_QS));
            if (m->type == SL_TYPE_Q8_0) {
                const block_q8_0 *blk = (const block_q8_0 *)src_row + b;
                int sum = 0;
                for (int k = 0; k < 32; k++) {
                    dst[(k / 4) * 64 + 4 * r + k % 4] = (uint8_t)blk->qs[k];
                    sum += blk->qs[k];
                }
                scales[r] = blk->d;
                ((int16_t *)(scales + SL_PACK_ROWS))[r] = (int16_t)sum;
            } else if (m->type == SL_TYPE_Q4_0) {
                const block_q4_0 *blk = (const block_q4_0 *)src_row + b;
                for (int k = 0; k < 16; k++) dst[(k / 4) * 64 + 4 * r + k % 4] = blk->qs[k];
                scales[r] = blk->d;
            } else {
                const block_q4_1 *blk = (const block_q4_1 *)src_row + b;
                for (int k = 0; k < 16; k++) dst[(k / 4) * 64 + 4 * r + k % 4] = blk->qs[k];
                scales[r] = blk->d;
                scales[SL_PACK_ROWS + r] = blk->m;
            }
        }
    }
}

// MARK: - Activations

static size_t round_up(size_t n) { return (n + 63) & ~(size_t)63; }

size_t sl_qact_size(int64_t max_tokens, int64_t cols) {
    const size_t per_block = (size_t)max_tokens * (size_t)(cols / 32);
    return round_up((size_t)max_tokens * (size_t)cols) + 3 * round_up(per_block * 4);
}

void sl_qact_init(sl_qact *a, void *buffer, int64_t max_tokens, int64_t cols) {
    const size_t per_block = (size_t)max_tokens * (size_t)(cols / 32);
    char *p = buffer;
    a->q = (int8_t *)p;
    p += round_up((size_t)max_tokens * (size_t)cols);
    a->d = (float *)p;
    p += round_up(per_block * 4);
    a->s = (float *)p;
    p += round_up(per_block * 4);
    a->c = (int32_t *)p;
    a->tokens = 0;
    a->cols = cols;
    a->max_tokens = max_tokens;
    a->unsigned_q = 0;
}

void sl_quantize_act_row_ref(const float *x, sl_qact *a, int64_t t) {
    const int64_t nb = a->cols / 32;
    int8_t *q = a->q + t * a->cols;
    for (int64_t b = 0; b < nb; b++, x += 32, q += 32) {
        // As Q8_1 (sl_from_float_q8_1_ref): scale by 127 / absmax, round half to even.
        float amax = 0;
        for (int k = 0; k < 32; k++) amax = fmaxf(amax, fabsf(x[k]));
        const float d = amax / 127;
        const float id = amax != 0 ? 127.0f / amax : 0.0f;
        int sum = 0;
        for (int k = 0; k < 32; k++) {
            const int v = (int)nearbyintf(x[k] * id);
            sum += v;
            q[k] = a->unsigned_q ? (int8_t)(uint8_t)(v + 128) : (int8_t)v;
        }
        a->d[t * nb + b] = sl_fp16_to_fp32(sl_fp32_to_fp16(d));
        a->s[t * nb + b] = sl_fp16_to_fp32(sl_fp32_to_fp16((float)sum * d));
        a->c[t * nb + b] = -8 * sum;
    }
}

void sl_swiglu_row_ref(const float *gate, const float *up, float *out, int64_t n) { sl_swiglu(gate, up, out, n); }

static sl_quantize_row_fn quantize_row_at(sl_level level) {
#if defined(__x86_64__)
    if (level >= SL_LEVEL_AVX512 && sl_packed_best_level() == SL_LEVEL_AVX512) return sl_quantize_act_row_avx512;
#endif
    (void)level;
    return sl_quantize_act_row_ref;
}

typedef struct {
    const float *x, *weight, *up;
    float *out;
    int64_t ldx, tokens;
    float eps;
    sl_qact *a;
    sl_level level;
} quantize_ctx;

static void token_range(int64_t tokens, int ith, int nth, int64_t *begin, int64_t *end) {
    const int64_t per = (tokens + nth - 1) / nth;
    *begin = per * ith < tokens ? per * ith : tokens;
    *end = *begin + per < tokens ? *begin + per : tokens;
}

static void quantize_task(void *arg, int ith, int nth) {
    quantize_ctx *c = arg;
    const sl_quantize_row_fn quantize = quantize_row_at(c->level);
    int64_t begin, end;
    token_range(c->tokens, ith, nth, &begin, &end);
    for (int64_t t = begin; t < end; t++) quantize(c->x + t * c->ldx, c->a, t);
}

static void rmsnorm_quantize_task(void *arg, int ith, int nth) {
    quantize_ctx *c = arg;
    const sl_quantize_row_fn quantize = quantize_row_at(c->level);
    const int64_t n = c->a->cols;
    int64_t begin, end;
    token_range(c->tokens, ith, nth, &begin, &end);
    for (int64_t t = begin; t < end; t++) {
        sl_rmsnorm(c->x + t * n, c->weight, c->out + t * n, 1, n, c->eps);
        quantize(c->out + t * n, c->a, t);
    }
}

static void swiglu_quantize_task(void *arg, int ith, int nth) {
    quantize_ctx *c = arg;
    const sl_quantize_row_fn quantize = quantize_row_at(c->level);
    void (*swiglu)(const float *, const float *, float *, int64_t) = sl_swiglu_row_ref;
#if defined(__x86_64__)
    if (quantize == sl_quantize_act_row_avx512) swiglu = sl_swiglu_row_avx512;
#endif
    const int64_t n = c->a->cols;
    int64_t begin, end;
    token_range(c->tokens, ith, nth, &begin, &end);
    for (int64_t t = begin; t < end; t++) {
        float *g = c->out + t * c->ldx;
        swiglu(g, c->up + t * c->ldx, g, n);
        quantize(g, c->a, t);
    }
}

static void prepare(sl_qact *a, int64_t tokens, int unsigned_q) {
    a->tokens = tokens;
    a->unsigned_q = unsigned_q;
}

void sl_quantize_act(sl_threadpool *pool, const float *x, int64_t ldx, int64_t tokens, int unsigned_q,
                     sl_qact *a, sl_level level) {
    prepare(a, tokens, unsigned_q);
    quantize_ctx c = {.x = x, .ldx = ldx, .tokens = tokens, .a = a, .level = level};
    sl_threadpool_run(pool, quantize_task, &c);
}

void sl_rmsnorm_quantize(sl_threadpool *pool, const float *x, const float *weight, float eps, float *normed,
                         int64_t tokens, int unsigned_q, sl_qact *a, sl_level level) {
    prepare(a, tokens, unsigned_q);
    quantize_ctx c = {.x = x, .weight = weight, .out = normed, .tokens = tokens, .eps = eps, .a = a, .level = level};
    sl_threadpool_run(pool, rmsnorm_quantize_task, &c);
}

void sl_swiglu_quantize(sl_threadpool *pool, float *gate, const float *up, int64_t ld, int64_t tokens,
                        int unsigned_q, sl_qact *a, sl_level level) {
    prepare(a, tokens, unsigned_q);
    quantize_ctx c = {.out = gate, .up = up, .ldx = ld, .tokens = tokens, .a = a, .level = level};
    sl_threadpool_run(pool, swiglu_quantize_task, &c);
}

// MARK: - Scalar reference GEMM

/// Quant k (0...31) of row r in a packed block, as the signed or unsigned value the kernels multiply.
static int packed_quant(sl_type type, const uint8_t *blk, int r, int k) {
    if (type == SL_TYPE_Q8_0) return (int8_t)blk[(k / 4) * 64 + 4 * r + k % 4];
    const int low = k < 16;
    const int kk = low ? k : k - 16;
    const uint8_t byte = blk[(kk / 4) * 64 + 4 * r + kk % 4];
    return low ? (byte & 0xF) : (byte >> 4);
}

void sl_gemm_group_ref(const sl_packed_matrix *m, int64_t group, const sl_qact *a, float *y, int64_t ldy,
                       int nrows, int accumulate) {
    const int64_t nb = m->cols / 32;
    for (int64_t t = 0; t < a->tokens; t++) {
        const int8_t *q = a->q + t * a->cols;
        for (int r = 0; r < nrows; r++) {
            // The same operations in the same order as the SIMD kernels, so results match exactly.
            float acc = 0;
            for (int64_t b = 0; b < nb; b++) {
                const uint8_t *blk = packed_block(m, group, b);
                const uint16_t *scales = (const uint16_t *)(blk + (m->type == SL_TYPE_Q8_0 ? PACK_Q8_QS : PACK_Q4_QS));
                int32_t sumi = m->type == SL_TYPE_Q4_0 ? a->c[t * nb + b] : 0;
                for (int k = 0; k < 32; k++) {
                    const int xq = a->unsigned_q ? (int)(uint8_t)q[b * 32 + k] - 128 : q[b * 32 + k];
                    sumi += packed_quant(m->type, blk, r, k) * xq;
                }
                const float dw = sl_fp16_to_fp32(scales[r]);
                acc = fmaf((float)sumi, dw * a->d[t * nb + b], acc);
                if (m->type == SL_TYPE_Q4_1) acc = fmaf(sl_fp16_to_fp32(scales[SL_PACK_ROWS + r]), a->s[t * nb + b], acc);
            }
            float *out = y + t * ldy + r;
            *out = accumulate ? *out + acc : acc;
        }
    }
}

// MARK: - Thread split

typedef struct {
    const sl_packed_matrix *m;
    const sl_qact *a;
    const sl_gemm_output *outputs;
    int num_outputs;
    sl_gemm_group_fn kernel;
    int64_t chunk;       // groups taken at a time
    _Atomic int64_t next; // the first group nobody has taken
} gemm_ctx;

/// Threads take chunks of groups from a shared counter rather than a fixed share, so a thread the OS
/// preempts (the HTTP server shares these cores) delays only the chunk it holds, not a whole half.
static void gemm_task(void *arg, int ith, int nth) {
    (void)ith;
    (void)nth;
    gemm_ctx *c = arg;
    int o = 0;
    for (;;) {
        const int64_t begin = atomic_fetch_add_explicit(&c->next, c->chunk, memory_order_relaxed);
        if (begin >= c->m->groups) break;
        const int64_t end = begin + c->chunk < c->m->groups ? begin + c->chunk : c->m->groups;
        for (int64_t g = begin; g < end; g++) {
            const int64_t row = g * SL_PACK_ROWS;
            while (o + 1 < c->num_outputs && row >= c->outputs[o].row_end) o++;
            while (o > 0 && row < c->outputs[o].row_begin) o--;
            const sl_gemm_output *out = &c->outputs[o];
            if (row < out->row_begin || row >= out->row_end) continue; // rows nobody asked for
            const int64_t left = out->row_end - row;
            c->kernel(c->m, g, c->a, out->y + (row - out->row_begin), out->ldy,
                      (int)(left < SL_PACK_ROWS ? left : SL_PACK_ROWS), out->accumulate);
        }
    }
}

void sl_gemm(sl_threadpool *pool, const sl_packed_matrix *m, const sl_qact *a, const sl_gemm_output *outputs,
             int num_outputs, sl_level level) {
    gemm_ctx c = {.m = m, .a = a, .outputs = outputs, .num_outputs = num_outputs, .kernel = sl_gemm_group_ref};
    // About 8 chunks per thread: few enough that the counter is cold, enough to even out a slow thread.
    const int64_t per_thread = m->groups / (8 * (int64_t)sl_threadpool_size(pool));
    c.chunk = per_thread < 1 ? 1 : per_thread;
    atomic_init(&c.next, 0);
#if defined(__x86_64__)
    if (level >= SL_LEVEL_AVX512 && sl_packed_best_level() == SL_LEVEL_AVX512) c.kernel = sl_gemm_group_avx512;
#endif
    if (a->tokens == 0) return;
    sl_threadpool_run(pool, gemm_task, &c);
}
