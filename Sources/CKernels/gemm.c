// Packed GEMM: the packer, the activation quantizer, the scalar reference of
// every kernel, and the thread split. The AVX-512 and AVX2 kernels are in arch/x86/.
#include "gemm_internal.h"
#include "include/sl_ops.h"

#include <math.h>
#include <stdatomic.h>
#include <string.h>

// MARK: - Layout

int sl_packed_supports(sl_type type) { return sl_packed_layout_of(type) != NULL; }

sl_act_format sl_packed_act_format(sl_type type) {
    const sl_packed_layout *l = sl_packed_layout_of(type);
    return l ? l->act : SL_ACT_Q8_1;
}

int sl_packed_f16_products(sl_level level) {
#if defined(__x86_64__)
    const int needs = sl_level_features(SL_LEVEL_AVX512) | SL_CPU_AVX512FP16;
    return level >= SL_LEVEL_AVX512 && (sl_enabled_features() & needs) == needs;
#else
    (void)level;
    return 0;
#endif
}

sl_level sl_packed_best_level(void) {
    const int enabled = sl_enabled_features();
    const int avx512 = sl_level_features(SL_LEVEL_AVX512), avx2 = sl_level_features(SL_LEVEL_AVX2);
    if ((enabled & avx512) == avx512) return SL_LEVEL_AVX512;
    if ((enabled & avx2) == avx2) return SL_LEVEL_AVX2;
    return SL_LEVEL_SCALAR;
}

static int64_t group_count(int64_t rows) { return (rows + SL_PACK_ROWS - 1) / SL_PACK_ROWS; }

size_t sl_packed_size(sl_type type, int64_t rows, int64_t cols) {
    const sl_packed_layout *l = sl_packed_layout_of(type);
    if (!l || rows <= 0 || cols <= 0 || cols % (32 * l->blocks_per_super) != 0) return 0;
    const size_t supers = (size_t)(cols / (32 * l->blocks_per_super));
    return (size_t)group_count(rows) * supers * (size_t)(l->header + l->blocks_per_super * l->stride);
}

void sl_packed_init(sl_packed_matrix *m, sl_type type, int64_t rows, int64_t cols, void *data) {
    const sl_packed_layout *l = sl_packed_layout_of(type);
    m->type = type;
    m->rows = rows;
    m->cols = cols;
    m->groups = group_count(rows);
    m->block_stride = l ? (size_t)l->stride : 0;
    m->data = data;
    memset(data, 0, sl_packed_size(type, rows, cols));
}

/// Writes one block of row r (0...15 within its group) into the packed block `dst`.
static void write_block(const sl_packed_layout *l, uint8_t *dst, int r, const sl_source_block *src) {
    const uint8_t *q = src->q;
    if (l->bits == 16) {
        uint16_t *w = (uint16_t *)dst;
        for (int k = 0; k < 32; k++) {
            if (l->type == SL_TYPE_F16) {
                w[SL_PACK_ROWS * k + r] = src->w16[k];
            } else {
                // vdpbf16ps reads subnormal bf16 as zero: store them so, and every kernel agrees.
                const uint16_t v = src->w16[k];
                w[32 * (k / 2) + 2 * r + k % 2] = (v & 0x7F80) == 0 ? (uint16_t)(v & 0x8000) : v;
            }
        }
        return;
    }
    if (l->bits == 8) {
        for (int k = 0; k < 32; k++) dst[(k / 4) * 64 + 4 * r + k % 4] = q[k];
    } else {
        for (int k = 0; k < 16; k++) dst[(k / 4) * 64 + 4 * r + k % 4] = (uint8_t)((q[k] & 0xF) | (q[k + 16] & 0xF) << 4);
    }
    for (int i = 0; i < 4; i++) {
        if (l->h5) {
            uint8_t bits = 0;
            for (int p = 0; p < 4; p++) bits |= (uint8_t)(((q[4 * p + i] >> 4) & 1) << p | ((q[16 + 4 * p + i] >> 4) & 1) << (4 + p));
            dst[l->h5 + 4 * r + i] = bits;
        }
        if (l->h6) {
            for (int v = 0; v < 2; v++) {
                uint8_t bits = 0;
                for (int c = 0; c < 2; c++) {
                    const int p = 2 * v + c;
                    bits |= (uint8_t)(((q[4 * p + i] >> 4) & 3) << (4 * c) | ((q[16 + 4 * p + i] >> 4) & 3) << (4 * c + 2));
                }
                dst[l->h6 + 64 * v + 4 * r + i] = bits;
            }
        }
    }
    for (int f = 0; f < l->num_halves; f++) ((uint16_t *)(dst + l->halves))[SL_PACK_ROWS * f + r] = src->half[f];
    for (int f = 0; f < l->num_octets; f++) dst[l->octets + SL_PACK_ROWS * f + r] = src->octet[f];
}

void sl_pack_rows(sl_packed_matrix *m, int64_t first_row, const void *src, int64_t rows) {
    const sl_packed_layout *l = sl_packed_layout_of(m->type);
    const int64_t nb = m->cols / 32;
    const size_t row_size = sl_row_size(m->type, m->cols);
    for (int64_t i = 0; i < rows; i++) {
        const int64_t row = first_row + i;
        const int64_t group = row / SL_PACK_ROWS;
        const int r = (int)(row % SL_PACK_ROWS);
        const uint8_t *src_row = (const uint8_t *)src + (size_t)i * row_size;
        for (int64_t b = 0; b < nb; b++) {
            sl_source_block block;
            l->read_block(src_row, b, &block);
            uint8_t *dst = sl_packed_block(m, l, group, b);
            write_block(l, dst, r, &block);
            if (b % l->blocks_per_super == 0) {
                float *header = (float *)sl_packed_header(dst, l, b);
                for (int f = 0; f < l->num_super; f++) header[SL_PACK_ROWS * f + r] = block.super[f];
            }
        }
    }
}

// MARK: - Activations

static size_t round_up(size_t n) { return (n + 63) & ~(size_t)63; }

size_t sl_qact_size(int64_t max_tokens, int64_t cols) {
    const size_t per_block = (size_t)max_tokens * (size_t)(cols / 32);
    return round_up((size_t)max_tokens * (size_t)cols * sizeof(float)) + 3 * round_up(per_block * 4) +
           round_up(per_block * 2 * 2) + round_up(per_block * 2);
}

void sl_qact_init(sl_qact *a, void *buffer, int64_t max_tokens, int64_t cols) {
    const size_t per_block = (size_t)max_tokens * (size_t)(cols / 32);
    char *p = buffer;
    a->q = (int8_t *)p;
    a->f32 = (float *)p;
    a->bf16 = (uint16_t *)p;
    a->f16 = (uint16_t *)p;
    p += round_up((size_t)max_tokens * (size_t)cols * sizeof(float));
    a->d = (float *)p;
    p += round_up(per_block * 4);
    a->s = (float *)p;
    p += round_up(per_block * 4);
    a->isum = (int32_t *)p;
    p += round_up(per_block * 4);
    a->bsum = (int16_t *)p;
    p += round_up(per_block * 2 * 2);
    a->isum16 = (int16_t *)p;
    a->tokens = 0;
    a->cols = cols;
    a->max_tokens = max_tokens;
    a->format = SL_ACT_Q8_1;
}

/// Q8_K's rule (sl_from_float_q8_K_ref, llama.cpp's quantize_row_q8_K_ref) over one 256-value
/// super-block: scale by -127 / (the value of largest magnitude), round half to even, cap at 127.
static void quantize_q8_k_ref(const float *x, sl_qact *a, int64_t t, int64_t super) {
    const int64_t nb = a->cols / 32;
    int8_t *q = a->q + t * a->cols + super * 256;
    float amax = 0, max = 0;
    for (int k = 0; k < 256; k++) {
        if (fabsf(x[k]) > amax) {
            amax = fabsf(x[k]);
            max = x[k];
        }
    }
    const float iscale = amax != 0 ? -127.0f / max : 0.0f;
    const float d = amax != 0 ? 1 / iscale : 0.0f;
    for (int k = 0; k < 256; k++) {
        const int v = (int)nearbyintf(iscale * x[k]);
        q[k] = (int8_t)(v < 127 ? v : 127);
    }
    for (int j = 0; j < 8; j++) {
        const int64_t b = super * 8 + j;
        int sums[2] = {0, 0};
        for (int k = 0; k < 32; k++) sums[k / 16] += q[32 * j + k];
        a->bsum[t * 2 * nb + 2 * b] = (int16_t)sums[0];
        a->bsum[t * 2 * nb + 2 * b + 1] = (int16_t)sums[1];
        a->isum[t * nb + b] = sums[0] + sums[1];
        a->isum16[t * nb + b] = (int16_t)(sums[0] + sums[1]);
        a->d[t * nb + b] = d;
        a->s[t * nb + b] = d * (float)(sums[0] + sums[1]);
    }
}

/// SL_ACT_F16_PRODUCTS: the row scaled by 2^-n (exact in f32) and rounded to f16; 2^n into d.
static void quantize_f16_products_ref(const float *x, sl_qact *a, int64_t t) {
    float amax = 0;
    for (int64_t k = 0; k < a->cols; k++) amax = fmaxf(amax, fabsf(x[k]));
    const int n = sl_f16_products_shift(amax);
    const float down = ldexpf(1, -n);
    uint16_t *h = a->f16 + t * a->cols;
    for (int64_t k = 0; k < a->cols; k++) h[k] = sl_fp32_to_fp16(x[k] * down);
    a->d[t * (a->cols / 32)] = ldexpf(1, n);
}

void sl_quantize_act_row_ref(const float *x, sl_qact *a, int64_t t) {
    switch (a->format) {
    case SL_ACT_F16_PRODUCTS:
        quantize_f16_products_ref(x, a, t);
        return;
    case SL_ACT_Q8_1: break;
    case SL_ACT_Q8_K:
        for (int64_t super = 0; super < a->cols / 256; super++) quantize_q8_k_ref(x + super * 256, a, t, super);
        return;
    case SL_ACT_F16:
        for (int64_t k = 0; k < a->cols; k++) a->f32[t * a->cols + k] = sl_fp16_to_fp32(sl_fp32_to_fp16(x[k]));
        return;
    case SL_ACT_BF16:
        for (int64_t k = 0; k < a->cols; k++) a->bf16[t * a->cols + k] = sl_bf16_round_daz(x[k]);
        return;
    }
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
            q[k] = (int8_t)v;
        }
        a->d[t * nb + b] = sl_fp16_to_fp32(sl_fp32_to_fp16(d));
        a->s[t * nb + b] = sl_fp16_to_fp32(sl_fp32_to_fp16((float)sum * d));
        a->isum[t * nb + b] = sum;
    }
}

void sl_swiglu_row_ref(const float *gate, const float *up, float *out, int64_t n) { sl_swiglu(gate, up, out, n); }

static sl_quantize_row_fn quantize_row_at(sl_level level) {
#if defined(__x86_64__)
    const sl_level best = sl_packed_best_level();
    if (level >= SL_LEVEL_AVX512 && best >= SL_LEVEL_AVX512) return sl_quantize_act_row_avx512;
    if (level >= SL_LEVEL_AVX2 && best >= SL_LEVEL_AVX2) return sl_quantize_act_row_avx2;
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
    if (quantize == sl_quantize_act_row_avx2) swiglu = sl_swiglu_row_avx2;
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

static void geglu_quantize_task(void *arg, int ith, int nth) {
    quantize_ctx *c = arg;
    const sl_quantize_row_fn quantize = quantize_row_at(c->level);
    int64_t begin, end;
    token_range(c->tokens, ith, nth, &begin, &end);
    for (int64_t t = begin; t < end; t++) {
        float *g = c->out + t * c->ldx;
        sl_geglu(g, c->up + t * c->ldx, g, c->a->cols);
        quantize(g, c->a, t);
    }
}

static void prepare(sl_qact *a, int64_t tokens, sl_act_format format) {
    a->tokens = tokens;
    a->format = format;
}

void sl_quantize_act(sl_threadpool *pool, const float *x, int64_t ldx, int64_t tokens, sl_act_format format,
                     sl_qact *a, sl_level level) {
    prepare(a, tokens, format);
    quantize_ctx c = {.x = x, .ldx = ldx, .tokens = tokens, .a = a, .level = level};
    sl_threadpool_run(pool, quantize_task, &c);
}

void sl_rmsnorm_quantize(sl_threadpool *pool, const float *x, const float *weight, float eps, float *normed,
                         int64_t tokens, sl_act_format format, sl_qact *a, sl_level level) {
    prepare(a, tokens, format);
    quantize_ctx c = {.x = x, .weight = weight, .out = normed, .tokens = tokens, .eps = eps, .a = a, .level = level};
    sl_threadpool_run(pool, rmsnorm_quantize_task, &c);
}

void sl_swiglu_quantize(sl_threadpool *pool, float *gate, const float *up, int64_t ld, int64_t tokens,
                        sl_act_format format, sl_qact *a, sl_level level) {
    prepare(a, tokens, format);
    quantize_ctx c = {.out = gate, .up = up, .ldx = ld, .tokens = tokens, .a = a, .level = level};
    sl_threadpool_run(pool, swiglu_quantize_task, &c);
}

void sl_geglu_quantize(sl_threadpool *pool, float *gate, const float *up, int64_t ld, int64_t tokens,
                       sl_act_format format, sl_qact *a, sl_level level) {
    prepare(a, tokens, format);
    quantize_ctx c = {.out = gate, .up = up, .ldx = ld, .tokens = tokens, .a = a, .level = level};
    sl_threadpool_run(pool, geglu_quantize_task, &c);
}

// MARK: - Scalar reference GEMM

/// Quant k (0...31) of row r in a packed block, as the signed or unsigned value the kernels multiply.
static int packed_quant(const sl_packed_layout *l, const uint8_t *blk, int r, int k) {
    if (l->bits == 8) return blk[(k / 4) * 64 + 4 * r + k % 4];
    const int low = k < 16;
    const int kk = low ? k : k - 16, p = kk / 4, i = kk % 4;
    const uint8_t byte = blk[p * 64 + 4 * r + i];
    int v = low ? (byte & 0xF) : (byte >> 4);
    if (l->h5) v |= ((blk[l->h5 + 4 * r + i] >> (low ? p : 4 + p)) & 1) << 4;
    if (l->h6) v |= ((blk[l->h6 + 64 * (p / 2) + 4 * r + i] >> (4 * (p % 2) + (low ? 0 : 2))) & 3) << 4;
    return sl_is_iq4(l->type) ? sl_iq4_unsigned(v) : v;
}

/// What the kernels subtract per unit of sum(x): the types whose quants are stored plus an offset.
static int quant_offset(sl_type type) {
    switch (type) {
    case SL_TYPE_Q4_0: return 8;
    case SL_TYPE_Q5_0: return 16;
    case SL_TYPE_Q8_0:
    case SL_TYPE_IQ4_NL:
    case SL_TYPE_IQ4_XS: return 128;
    case SL_TYPE_Q4_1: case SL_TYPE_Q5_1: case SL_TYPE_Q4_K: case SL_TYPE_Q5_K: case SL_TYPE_Q6_K:
    case SL_TYPE_F32: case SL_TYPE_F16: case SL_TYPE_BF16: case SL_TYPE_Q8_1: case SL_TYPE_Q8_K: return 0;
    }
    return 0;
}

/// The float types' reference, which defines the summation order the SIMD kernels reproduce: per row and
/// token, each block of 32 columns is summed from zero by single-rounding fmaf, column by column (F16),
/// or, for BF16, pair by pair with the odd column first (vdpbf16ps's order, Intel SDM; a bf16 product is
/// exact in f32, so fmaf is the instruction's rounded add); the block sums are added in order.
static float float_row_dot(const sl_packed_matrix *m, const sl_packed_layout *l, int64_t group, int r,
                           const sl_qact *a, int64_t t) {
    const int64_t nb = m->cols / 32;
    float acc = 0;
    for (int64_t b = 0; b < nb; b++) {
        const uint16_t *w = (const uint16_t *)sl_packed_block(m, l, group, b);
        float sum = 0;
        if (m->type == SL_TYPE_F16) {
            const float *x = a->f32 + t * a->cols + b * 32;
            for (int k = 0; k < 32; k++) sum = fmaf(sl_fp16_to_fp32(w[SL_PACK_ROWS * k + r]), x[k], sum);
        } else {
            const uint16_t *x = a->bf16 + t * a->cols + b * 32;
            for (int j = 0; j < 16; j++) {
                const uint16_t *pair = w + 32 * j + 2 * r;
                sum = fmaf(sl_bf16_to_fp32(pair[1]), sl_bf16_to_fp32(x[2 * j + 1]), sum);
                sum = fmaf(sl_bf16_to_fp32(pair[0]), sl_bf16_to_fp32(x[2 * j]), sum);
            }
        }
        acc += sum;
    }
    return acc;
}

void sl_gemm_group_ref(const sl_packed_matrix *m, int64_t group, const sl_qact *a, float *y, int64_t ldy,
                       int nrows, int accumulate) {
    const sl_packed_layout *l = sl_packed_layout_of(m->type);
    const int64_t nb = m->cols / 32;
    const int offset = quant_offset(m->type);
    const int k_super = m->type == SL_TYPE_Q4_K || m->type == SL_TYPE_Q5_K || m->type == SL_TYPE_Q6_K;
    for (int64_t t = 0; t < a->tokens; t++) {
        const int8_t *q = a->q + t * a->cols;
        for (int r = 0; r < nrows; r++) {
            // The same operations in the same order as the SIMD kernels, so results match exactly.
            float acc = 0;
            // The K-quants' super-block sums: S, in float, of each block's integer sum times its weight
            // scale, and M, the exact integer term of the mins (Q4_K, Q5_K) or of Q6_K's -32 offset.
            float S = 0;
            int32_t M = 0;
            for (int64_t b = 0; l->bits != 16 && b < nb; b++) {
                const uint8_t *blk = sl_packed_block(m, l, group, b);
                const uint16_t *halves = (const uint16_t *)(blk + l->halves);
                const float *header = l->header ? sl_packed_header(blk, l, b) : NULL;
                const float xd = a->d[t * nb + b], xs = a->s[t * nb + b];
                int32_t sums[2] = {0, 0};
                for (int k = 0; k < 32; k++) {
                    sums[k / 16] += packed_quant(l, blk, r, k) * q[b * 32 + k];
                }
                // The quants stored plus an offset: start from -offset * sum(x).
                const int32_t sum = -offset * a->isum[t * nb + b] + sums[0] + sums[1];
                switch (m->type) {
                case SL_TYPE_Q4_0:
                case SL_TYPE_Q5_0:
                case SL_TYPE_Q8_0:
                case SL_TYPE_IQ4_NL:
                    acc = fmaf((float)sum, sl_fp16_to_fp32(halves[r]) * xd, acc);
                    break;
                case SL_TYPE_Q4_1:
                case SL_TYPE_Q5_1:
                    acc = fmaf((float)sum, sl_fp16_to_fp32(halves[r]) * xd, acc);
                    acc = fmaf(sl_fp16_to_fp32(halves[SL_PACK_ROWS + r]), xs, acc);
                    break;
                case SL_TYPE_Q4_K:
                case SL_TYPE_Q5_K:
                    // d * sc is exact in f32 (11 x 6 significant bits); the mins' term m * sum(x) is an
                    // integer, |M| <= 8 * 63 * 32 * 127 < 2^24 per super-block, so (float)M is exact.
                    S = fmaf((float)sum, header[r] * (float)blk[l->octets + r], S);
                    M += blk[l->octets + SL_PACK_ROWS + r] * a->isum[t * nb + b];
                    break;
                case SL_TYPE_IQ4_XS:
                    acc = fmaf((float)sum, header[r] * (float)(int8_t)blk[l->octets + r] * xd, acc);
                    break;
                case SL_TYPE_Q6_K: {
                    // The quants are q - 32, with a scale per 16 columns: the unsigned sums times d * sc
                    // (exact: 11 x 8 bits), and -32 * d times the integer sc * sum(x) over 16 columns,
                    // |M| <= 8 * 2 * 128 * 16 * 127 < 2^23 per super-block.
                    const int16_t *bsum = a->bsum + t * 2 * nb + 2 * b;
                    const int sclo = (int8_t)blk[l->octets + r], schi = (int8_t)blk[l->octets + SL_PACK_ROWS + r];
                    S = fmaf((float)sums[0], header[r] * (float)sclo, S);
                    S = fmaf((float)sums[1], header[r] * (float)schi, S);
                    M += sclo * bsum[0] + schi * bsum[1];
                    break;
                }
                case SL_TYPE_F32: case SL_TYPE_F16: case SL_TYPE_BF16: case SL_TYPE_Q8_1: case SL_TYPE_Q8_K:
                    break; // no 8-bit blocks
                }
                if (k_super && b % PACK_SUPER == PACK_SUPER - 1) {
                    // The super-block's end: its integer term (-dmin, or -32 * d, exact), then one
                    // multiply by the activations' single scale.
                    const float factor = m->type == SL_TYPE_Q6_K ? -32 * header[r] : -header[SL_PACK_ROWS + r];
                    S = fmaf(factor, (float)M, S);
                    acc = fmaf(S, xd, acc);
                    S = 0;
                    M = 0;
                }
            }
            if (l->bits == 16) acc = float_row_dot(m, l, group, r, a, t);
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
    int64_t block_bytes; // activation bytes a pass over a chunk takes (token_block)
    _Atomic int64_t next; // the first group nobody has taken
} gemm_ctx;

/// Tokens of a prefill that one pass over a chunk of groups takes: `bytes` of 8-bit activations, so they
/// stay in L2 while every group of the chunk runs over them (a multiple of the 8-token tile). Each pass
/// expands every group of the chunk again, reading its packed weights from L3: at 256 KiB the 1.5B's down
/// projection (8,960 columns) took 32 tokens a pass and expanded each group 16 times in a pp512. The
/// AVX-512 kernels, whose wide rows run a segment of 32 blocks at a time with the expanded weights in L1,
/// take 1 MiB (server cores have 1-2 MiB of L2; GEMM alone, two threads, medians of 3: 223 -> 249
/// GMAC/s on that projection); the AVX2 kernels, whose expanded group shares L2 and whose CPUs may have
/// 256 KiB of it, keep 256 KiB.
static int64_t token_block(int64_t cols, int64_t bytes) {
    int64_t tokens = bytes / cols;
    tokens = tokens < 32 ? 32 : tokens > 512 ? 512 : tokens;
    return tokens & ~(int64_t)7;
}

/// Tokens [t0, t0 + n) of `a`, as a view the kernels read like a whole activation matrix.
static sl_qact token_view(const sl_qact *a, int64_t t0, int64_t n) {
    const int64_t nb = a->cols / 32;
    sl_qact v = *a;
    v.q = a->q + t0 * a->cols;
    v.f32 = a->f32 + t0 * a->cols;
    v.bf16 = a->bf16 + t0 * a->cols;
    v.f16 = a->f16 + t0 * a->cols;
    v.d = a->d + t0 * nb;
    v.s = a->s + t0 * nb;
    v.isum = a->isum + t0 * nb;
    v.bsum = a->bsum + t0 * 2 * nb;
    v.isum16 = a->isum16 + t0 * nb;
    v.tokens = n;
    return v;
}

/// Threads take chunks of groups from a shared counter rather than a fixed share, so a thread the OS
/// preempts (the HTTP server shares these cores) delays only the chunk it holds, not a whole half.
/// A long prefill runs a chunk block of tokens by block of tokens, each block over every group of the
/// chunk, so the activations are read from L2 once per group rather than streamed from L3.
static void gemm_task(void *arg, int ith, int nth) {
    (void)ith;
    (void)nth;
    gemm_ctx *c = arg;
    const int64_t block = token_block(c->a->cols, c->block_bytes);
    int o = 0;
    for (;;) {
        const int64_t begin = atomic_fetch_add_explicit(&c->next, c->chunk, memory_order_relaxed);
        if (begin >= c->m->groups) break;
        const int64_t end = begin + c->chunk < c->m->groups ? begin + c->chunk : c->m->groups;
        for (int64_t t0 = 0; t0 < c->a->tokens; t0 += block) {
            const int64_t n = c->a->tokens - t0 < block ? c->a->tokens - t0 : block;
            const sl_qact view = token_view(c->a, t0, n);
            for (int64_t g = begin; g < end; g++) {
                const int64_t row = g * SL_PACK_ROWS;
                while (o + 1 < c->num_outputs && row >= c->outputs[o].row_end) o++;
                while (o > 0 && row < c->outputs[o].row_begin) o--;
                const sl_gemm_output *out = &c->outputs[o];
                if (row < out->row_begin || row >= out->row_end) continue; // rows nobody asked for
                const int64_t left = out->row_end - row;
                c->kernel(c->m, g, &view, out->y + t0 * out->ldy + (row - out->row_begin), out->ldy,
                          (int)(left < SL_PACK_ROWS ? left : SL_PACK_ROWS), out->accumulate);
            }
        }
    }
}

void sl_gemm(sl_threadpool *pool, const sl_packed_matrix *m, const sl_qact *a, const sl_gemm_output *outputs,
             int num_outputs, sl_level level) {
    gemm_ctx c = {.m = m, .a = a, .outputs = outputs, .num_outputs = num_outputs, .kernel = sl_gemm_group_ref,
                  .block_bytes = 256 * 1024};
    // About 8 chunks per thread: few enough that the counter is cold, enough to even out a slow thread.
    const int64_t per_thread = m->groups / (8 * (int64_t)sl_threadpool_size(pool));
    c.chunk = per_thread < 1 ? 1 : per_thread;
    atomic_init(&c.next, 0);
    const sl_packed_layout *l = sl_packed_layout_of(m->type);
    // The requested level, or the best below it that this CPU has.
    const sl_level best = sl_packed_best_level();
    const int has_needs = (sl_enabled_features() & l->avx512_needs) == l->avx512_needs;
    if (a->format == SL_ACT_F16_PRODUCTS) {
        // A format the caller chose, not the type's: its own kernels.
        c.kernel = sl_gemm_group_f16_products_ref;
#if defined(__x86_64__)
        if (sl_packed_f16_products(level) && m->type == SL_TYPE_F16) c.kernel = sl_gemm_group_f16_products_avx512;
#endif
    } else if (level >= SL_LEVEL_AVX512 && best >= SL_LEVEL_AVX512 && l->kernel_avx512 && has_needs) {
        c.kernel = l->kernel_avx512;
        if (a->format == SL_ACT_Q8_1 || a->format == SL_ACT_Q8_K) c.block_bytes = 1024 * 1024; // the segmented 8-bit tiles
    } else if (level >= SL_LEVEL_AVX2 && best >= SL_LEVEL_AVX2 && l->kernel_avx2) {
        c.kernel = l->kernel_avx2;
    }
    if (a->tokens == 0) return;
    sl_threadpool_run(pool, gemm_task, &c);
}
