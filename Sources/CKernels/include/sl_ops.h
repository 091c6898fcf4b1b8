// Operators of the forward pass (norms, RoPE, paged attention, matmul, ...).
// Shapes are row-major and given in brackets; a "token row" is one token's vector.
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "sl_quants.h"
#include "sl_threadpool.h"

#ifdef __cplusplus
extern "C" {
#endif

/// y[r] = x[r] / rms(x[r]) * weight, for `rows` rows of `n` floats ([rows, n]).
void sl_rmsnorm(const float *x, const float *weight, float *y, int64_t rows, int64_t n, float eps);

/// y[r] = (x[r] - mean(x[r])) / sqrt(var(x[r]) + eps) * weight + bias, for `rows` rows of `n` floats (BERT's
/// LayerNorm, as ggml_norm followed by the scale and shift). `y` may be `x`.
void sl_layernorm(const float *x, const float *weight, const float *bias, float *y, int64_t rows, int64_t n, float eps);

/// x[r] += y[r] elementwise over `n` floats.
void sl_add(float *x, const float *y, int64_t n);
/// x *= factor elementwise over `n` floats.
void sl_scale(float *x, float factor, int64_t n);
/// x = cap * tanh(x / cap) elementwise over `n` floats (Gemma 2's final logit soft-capping).
void sl_softcap(float *x, float cap, int64_t n);
/// x[t, :] += bias for `rows` rows of `n` floats.
void sl_add_bias(float *x, const float *bias, int64_t rows, int64_t n);

/// out = silu(gate) * up, elementwise over `n` floats.
void sl_swiglu(const float *gate, const float *up, float *out, int64_t n);

/// out = gelu_tanh(gate) * up, elementwise over `n` floats, with the GELU looked up for the input rounded to
/// f16 and rounded to f16 itself, as llama.cpp's CPU backend does (Gemma's gated MLP).
void sl_geglu(const float *gate, const float *up, float *out, int64_t n);

/// x = gelu_tanh(x) elementwise over `n` floats, looked up as sl_geglu does (BERT's feed-forward, llama.cpp's ggml_gelu).
void sl_gelu(float *x, int64_t n);

/// Rotary embedding in place on x [numTokens, numHeads, headDim], rotating the first `ropeDim` dims.
/// `neox` = 0: adjacent pairs (x[2i], x[2i+1]) as llama.cpp's LLAMA_ROPE_TYPE_NORM;
/// `neox` = 1: pairs (x[i], x[i + ropeDim/2]) as GPT-NeoX / Qwen2.
void sl_rope(float *x, const int32_t *positions, int64_t num_tokens, int64_t num_heads, int64_t head_dim,
             int64_t rope_dim, float freq_base, int neox);

/// RoPE with the scalings of ggml's rope_ext: per-pair frequency factors (Llama 3's `rope_freqs`), a
/// frequency scale (linear scaling: 1 / factor), and YaRN's ramp between scaled and unscaled angles over
/// the correction dims [corr_low, corr_high] with its magnitude correction.
typedef struct {
    float freq_base;
    float freq_scale;           // 1: none
    float ext_factor;           // YaRN: 1; 0: no ramp
    float attn_factor;          // multiplies cos and sin (times 1 + 0.1 ln(1/freq_scale) when ext_factor != 0)
    float corr_low, corr_high;  // YaRN's correction dims
    const float *freq_factors;  // [rope_dim / 2] divisors of each pair's angle, or NULL
    int neox;
} sl_rope_params;
void sl_rope_ext(float *x, const int32_t *positions, int64_t num_tokens, int64_t num_heads, int64_t head_dim,
                 int64_t rope_dim, const sl_rope_params *params);

/// Rows of an embedding table of any supported type, converted to f32: out [n, cols].
/// Returns 0, or -1 when a token id is outside [0, num_rows) or the type has no dequantizer.
int sl_get_rows(sl_type type, const void *table, int64_t num_rows, int64_t cols, const int32_t *ids, int64_t n,
                float *out);

/// Bytes of scratch `sl_matmul` needs for `num_tokens` activation rows of `cols` floats.
size_t sl_matmul_scratch_size(sl_type weight_type, int64_t cols, int64_t num_tokens);
/// y [numTokens, rows] = x [numTokens, cols] · W^T, W being `rows` rows of `cols` elements of `weight_type`.
/// Activations are first quantized into `scratch` to the type's vec_dot partner, as ggml does.
void sl_matmul(sl_threadpool *pool, sl_type weight_type, const void *weight, int64_t rows, int64_t cols,
               const float *x, int64_t num_tokens, float *y, void *scratch);

/// Writes k, v [numTokens, numKVHeads * headDim] (f32) into the paged caches (f16) at slot_mapping[t]:
/// K blocks transposed, [numBlocks, numKVHeads, headDim, blockSize]; V as [numBlocks * blockSize, numKVHeads, headDim].
/// A negative slot skips the token.
void sl_kv_cache_write(const float *k, const float *v, uint16_t *k_cache, uint16_t *v_cache,
                       const int64_t *slot_mapping, int64_t num_tokens, int64_t num_kv_heads, int64_t head_dim,
                       int64_t block_size);

/// Whether the KV cache can hold `type` for heads of `head_dim` (F16, BF16; Q8_0 for multiples of 32).
int sl_kv_type_supported(sl_type type, int64_t head_dim);
/// Bytes of one cached element of `type` (Q8_0's scales, 2 bytes per 32 elements, come on top).
size_t sl_kv_element_size(sl_type type);
/// sl_kv_cache_write for any supported cache type; Q8_0 also writes each position's scales per 32 dims
/// (K's [block, kvHead, headDim / 32, blockSize], V's [slot, kvHead, headDim / 32]), as llama.cpp quantizes
/// a Q8_0 block.
void sl_kv_cache_write_typed(sl_type type, const float *k, const float *v, void *k_cache, void *v_cache,
                             uint16_t *k_scales, uint16_t *v_scales, const int64_t *slot_mapping, int64_t num_tokens,
                             int64_t num_kv_heads, int64_t head_dim, int64_t block_size);

/// Query rows (tokens x heads of one KV head) one attention task holds; the scores scratch has this many rows per thread.
enum { SL_ATTENTION_MAX_ROWS = 32 };
/// Floats per scores row for contexts up to `max_context` (padded, and kept off multiples of 4 KiB).
int64_t sl_attention_scores_stride(int64_t max_context);

/// Describes one paged-attention call; block tables are [numSeqs, maxBlocksPerSeq] block ids.
typedef struct {
    const float *q;             // [numTokens, numHeads, headDim]
    const void *k_cache;        // [numBlocks, numKVHeads, headDim, blockSize] of kv_type (transposed blocks)
    const void *v_cache;        // [numBlocks, blockSize, numKVHeads, headDim] of kv_type
    const int32_t *block_tables;
    const int32_t *token_seq;   // [numTokens] which row of block_tables each token uses
    const int32_t *context_lens;// [numTokens] positions 0..<len of its sequence are attended (causal)
    float *out;                 // [numTokens, numHeads, headDim]
    float *scratch;             // [numThreads, SL_ATTENTION_MAX_ROWS, sl_attention_scores_stride(maxContext)] scores
    int64_t max_context;        // the longest context_lens entry the scratch can hold
    sl_level level;             // kernel level: SL_LEVEL_SCALAR is the reference; higher levels fall back if absent
    // max_blocks_per_seq: the stride between consecutive sequences' tables in block_tables (their width,
    // or the width of all KV-cache groups' tables when block_tables points into one group's).
    int64_t num_tokens, num_heads, num_kv_heads, head_dim, block_size, max_blocks_per_seq;
    float scale;                // scores are q.k * scale
    float softcap;              // > 0: scores become softcap * tanh(score / softcap) (Gemma 2); 0: none
    int64_t window;             // > 0: a token at position p sees only positions p - window + 1 ... p (sliding
                                // window, as llama.cpp's LLAMA_SWA_TYPE_STANDARD); 0: every earlier position
    sl_type kv_type;            // SL_TYPE_F16, SL_TYPE_BF16 or SL_TYPE_Q8_0 (int8 with f16 scales below)
    const uint16_t *k_scales;   // Q8_0: [numBlocks, numKVHeads, headDim / 32, blockSize] f16 scales of K
    const uint16_t *v_scales;   // Q8_0: [numBlocks * blockSize, numKVHeads, headDim / 32] f16 scales of V
} sl_attention_args;
/// Causal attention (optionally windowed and soft-capped) that reads K/V through block tables; heads that share a KV head, and consecutive tokens
/// of one sequence, are computed together so each K/V element is read once per run of tokens. Rounds Q and the softmax weights to f16 as llama.cpp's CPU path
/// does (its KQ and KQV products run in f16), which keeps our logits within its rounding noise.
void sl_paged_attention(sl_threadpool *pool, const sl_attention_args *args);

#ifdef __cplusplus
}
#endif
