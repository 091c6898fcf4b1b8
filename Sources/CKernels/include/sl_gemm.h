// Batched GEMM over weights repacked once at load ("packed" matrices), with
// activations quantized to 8 bits per step (rounded to f16 / bf16 for F16 / BF16
// weights), as llama.cpp's repacked CPU path (ggml-cpu/repack.cpp) and its AMX
// path do. The packed layout interleaves 16 rows, so one 64-byte vector holds 4
// consecutive quants of each of the 16 rows and a single VNNI instruction
// (vpdpbusd) advances 16 dot products; one pass over a weight tile then serves
// up to 8 tokens from registers.
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "sl_quants.h"
#include "sl_threadpool.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Rows per packed group: one int32 lane of a 512-bit register each.
enum { SL_PACK_ROWS = 16 };

/// A weight matrix in the packed layout: `groups` groups of 16 rows, each group holding its
/// `cols / 32` blocks one after another, `block_stride` bytes each. Rows past `rows` are zero.
typedef struct {
    sl_type type;
    int64_t rows, cols, groups;
    size_t block_stride;
    void *data;
} sl_packed_matrix;

/// 1 when `type` has a packed layout: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS,
/// F16 and BF16.
int sl_packed_supports(sl_type type);
/// The fastest level the packed GEMM has on this CPU (as limited by sl_kernels_init's mask):
/// SL_LEVEL_AVX512 (it needs VNNI), SL_LEVEL_AVX2 (AVX2, FMA and F16C: vpmaddubsw kernels on the same
/// layout), or SL_LEVEL_SCALAR, which is the reference and too slow to serve with. Every level's
/// results are bit-identical to the reference's.
sl_level sl_packed_best_level(void);
/// Bytes of a packed matrix of `rows` x `cols` (`cols` a multiple of the type's block size), or 0
/// when unsupported.
size_t sl_packed_size(sl_type type, int64_t rows, int64_t cols);
/// Describes `data` (sl_packed_size bytes, 64-byte aligned) as a packed matrix and zero-fills it.
void sl_packed_init(sl_packed_matrix *m, sl_type type, int64_t rows, int64_t cols, void *data);
/// Packs `rows` GGUF rows of `src` (the matrix's type) into rows first_row... of `m`;
/// `first_row` must be a multiple of 16, so several tensors can share one matrix (fused QKV).
void sl_pack_rows(sl_packed_matrix *m, int64_t first_row, const void *src, int64_t rows);

/// How a weight type wants its activations quantized: a property of the type (sl_packed_act_format).
typedef enum {
    /// As Q8_1, for the 32-element formats: per 32 values, d = absmax / 127 rounded through f16,
    /// round half to even.
    SL_ACT_Q8_1 = 0,
    /// As Q8_K, for the K-quants and IQ4_XS: one f32 scale per 256 values (llama.cpp's rule), sums per 16.
    SL_ACT_Q8_K = 1,
    /// For F16 weights: the values rounded to f16 (nearest even), as llama.cpp's F16 path rounds them
    /// (vec_dot_type F16), so results track llama.cpp's; kept as f32 values, which the kernels broadcast
    /// as they are, and multiplied and summed in f32.
    SL_ACT_F16 = 2,
    /// bf16, for BF16 weights: round to nearest even, subnormals to zero (as vcvtneps2bf16).
    SL_ACT_BF16 = 3,
    /// For F16 weights when the caller asks for fp16 products (the encoders' prefill, where the F16 GEMM's
    /// f32 FMAs are the whole cost): each token's values are scaled by a power of two 2^-n, n >= 0 the
    /// smallest that brings its largest magnitude to at most SL_F16_PRODUCTS_LIMIT, and rounded to f16
    /// (nearest even) into f16; d[t * cols / 32] holds 2^n. The GEMM then sums, per row and token, each
    /// SL_F16_PRODUCTS_CHAIN columns in two f16 chains, the even columns and the odd ones (one rounding
    /// per product added, as vfmadd231ph), widens the chains to f32 and adds each parity's in order, and
    /// returns (even + odd) * 2^n. Not bit-compatible with SL_ACT_F16: a different, coarser sum
    /// (sl_packed_f16_products).
    SL_ACT_F16_PRODUCTS = 4,
} sl_act_format;

/// The largest magnitude a token's fp16-product activations keep (SL_ACT_F16_PRODUCTS): with weights
/// below 8, a chain's 16 products stay under 2^15, far from f16's 65504.
#define SL_F16_PRODUCTS_LIMIT 256.0f
/// Columns per f16 chain pair (SL_ACT_F16_PRODUCTS): 16 products in each chain.
enum { SL_F16_PRODUCTS_CHAIN = 32 };

/// Activations prepared for the packed GEMM, one row per token. The 8-bit formats fill q and, per
/// 32-element block, d, the scale (for Q8_K, its super-block's); s, d * sum(q) (rounded through f16 under
/// Q8_1, as Q8_1 stores it); isum, sum(q) exactly; and, filled under Q8_K only, isum16, sum(q) again as
/// int16 (|sum| <= 32 * 127: adjacent blocks' sums are one 32-bit int16 pair for vpdpwssd / vpmaddwd), and
/// per 16 elements, bsum.
/// The float formats fill f32, bf16 or f16 only (and SL_ACT_F16_PRODUCTS one d per token). q, f32, bf16 and
/// f16 share one region: only the format last prepared is valid, and the pages past what 8-bit rows use
/// are touched only by the float formats.
typedef struct {
    int8_t *q;      // [tokens, cols]
    float *f32;     // [tokens, cols] (SL_ACT_F16: f16 values as f32)
    uint16_t *bf16; // [tokens, cols] (SL_ACT_BF16)
    uint16_t *f16;  // [tokens, cols] (SL_ACT_F16_PRODUCTS)
    float *d, *s;   // [tokens, cols / 32]
    int32_t *isum;  // [tokens, cols / 32]
    int16_t *bsum;  // [tokens, cols / 16]
    int16_t *isum16; // [tokens, cols / 32] (SL_ACT_Q8_K)
    int64_t tokens, cols, max_tokens;
    sl_act_format format;
} sl_qact;

/// Bytes of activation scratch for `max_tokens` rows of `cols`, in any format.
size_t sl_qact_size(int64_t max_tokens, int64_t cols);
/// Lays `a` out over `buffer` (sl_qact_size bytes, 64-byte aligned).
void sl_qact_init(sl_qact *a, void *buffer, int64_t max_tokens, int64_t cols);
/// The activation format of `type`'s packed layout (SL_ACT_Q8_1 for a type without one).
sl_act_format sl_packed_act_format(sl_type type);
/// 1 when sl_gemm at `level` runs F16 weights over SL_ACT_F16_PRODUCTS activations with fp16 products
/// (AVX512-FP16's vfmadd231ph: twice the f32 FMAs' products per instruction). Elsewhere that format
/// runs on the scalar reference, far too slow to serve with, so callers pick it only where this says so.
int sl_packed_f16_products(sl_level level);

/// Quantizes `tokens` rows of x (row stride `ldx`) into `a`, split over the pool's threads.
void sl_quantize_act(sl_threadpool *pool, const float *x, int64_t ldx, int64_t tokens, sl_act_format format,
                     sl_qact *a, sl_level level);
/// RMSNorm (as sl_rmsnorm) of `tokens` rows of x [tokens, cols] into `normed` [tokens, cols], then
/// quantizes each row into `a` while it is in cache: one pass and one barrier.
void sl_rmsnorm_quantize(sl_threadpool *pool, const float *x, const float *weight, float eps, float *normed,
                         int64_t tokens, sl_act_format format, sl_qact *a, sl_level level);
/// gate[t] = silu(gate[t]) * up[t] (as sl_swiglu) for `tokens` rows of `cols` with row stride `ld`,
/// then quantizes each row into `a`.
void sl_swiglu_quantize(sl_threadpool *pool, float *gate, const float *up, int64_t ld, int64_t tokens,
                        sl_act_format format, sl_qact *a, sl_level level);

/// gate[t] = gelu_tanh(gate[t]) * up[t] (as sl_geglu), then quantized into `a`, as sl_swiglu_quantize.
void sl_geglu_quantize(sl_threadpool *pool, float *gate, const float *up, int64_t ld, int64_t tokens,
                       sl_act_format format, sl_qact *a, sl_level level);

/// Where rows [row_begin, row_end) of a GEMM go: y[t * ldy + (r - row_begin)]. `row_begin` must be
/// a multiple of 16. With `accumulate` the result is added to y (a fused residual add).
typedef struct {
    float *y;
    int64_t ldy, row_begin, row_end;
    int accumulate;
} sl_gemm_output;

/// y = W · x for every token of `a`, rows split over the pool's threads by groups of 16.
/// `outputs` must cover rows [0, m->rows) in order.
void sl_gemm(sl_threadpool *pool, const sl_packed_matrix *m, const sl_qact *a, const sl_gemm_output *outputs,
             int num_outputs, sl_level level);

#ifdef __cplusplus
}
#endif
