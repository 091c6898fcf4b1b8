// What the portable attention (attention.c) and its per-ISA kernels (arch/x86/attention_avx512.c) share.
#ifndef SL_ATTENTION_INTERNAL_H
#define SL_ATTENTION_INTERNAL_H

#include "sl_ops.h"

#include <math.h>
#include <stdint.h>

enum { SL_ATTN_MAX_HEAD_DIM = 256, SL_ATTN_MAX_GROUP = 16, SL_ATTN_MAX_ROWS = SL_ATTENTION_MAX_ROWS };

/// The first position a token with `len` positions of context sees: 0, or the start of its window.
static inline int64_t sl_attn_first_visible(const sl_attention_args *a, int64_t len) {
    return a->window > 0 && len > a->window ? len - a->window : 0;
}

/// Gemma 2's attention soft-capping of a scaled score; the identity when `softcap` is 0 (a masked -inf
/// stays -inf).
static inline float sl_attn_soft_cap(const sl_attention_args *a, float score) {
    return a->softcap > 0 && score != -INFINITY ? a->softcap * tanhf(score / a->softcap) : score;
}

/// Softmax of one row's scores over positions start..<len, in place; the weights are rounded to f16 like
/// llama.cpp's KQV product sees them. Every kernel runs this same code, so the weights are the reference's
/// for the same scores.
static inline void sl_attn_softmax(float *s, int64_t start, int64_t len) {
    float max = -INFINITY;
    for (int64_t j = start; j < len; j++) max = s[j] > max ? s[j] : max;
    double sum = 0.0;
    for (int64_t j = start; j < len; j++) {
        s[j] = expf(s[j] - max);
        sum += s[j];
    }
    const float inv = sum > 0.0 ? (float)(1.0 / sum) : 0.0f;
    for (int64_t j = start; j < len; j++) s[j] = sl_fp16_to_fp32(sl_fp32_to_fp16(s[j] * inv));
}

#if defined(__x86_64__)
/// Token t's query heads h0..<h1 of KV head g's group with AVX2, over an f16 cache (head dim a multiple of
/// 16, at most 256; blocks a multiple of 8 positions); `scores` the task's scratch rows.
void sl_attention_token_avx2(const sl_attention_args *a, int64_t t, int64_t g, int64_t h0, int64_t h1, float *scores,
                             int64_t stride);
/// Tokens t0..<t0+nt (one sequence), query heads h0..<h1 of KV head g's group, with AVX-512, `scores` the
/// task's scratch rows (`stride` floats apart). Needs head_dim a multiple of 64 (at most 256) and
/// block_size a multiple of 16.
void sl_attention_run_avx512(const sl_attention_args *a, int64_t t0, int64_t nt, int64_t g, int64_t h0, int64_t h1,
                             float *scores, int64_t stride);
#endif

#endif
