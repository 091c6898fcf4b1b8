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

#if defined(__x86_64__)
/// Tokens t0..<t0+nt (one sequence), query heads h0..<h1 of KV head g's group, with AVX-512, `scores` the
/// task's scratch rows (`stride` floats apart). Needs head_dim a multiple of 64 (at most 256) and
/// block_size a multiple of 16.
void sl_attention_run_avx512(const sl_attention_args *a, int64_t t0, int64_t nt, int64_t g, int64_t h0, int64_t h1,
                             float *scores, int64_t stride);
#endif

#endif
