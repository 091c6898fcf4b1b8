// What the AVX-512 kernels of the packed GEMM share (gemm_avx512.c: the 8-bit formats; gemm_avx512_float.c:
// F16 and BF16 weights, the activation quantizer and SwiGLU).
#pragma once
#include "../../gemm_internal.h"
#if defined(__x86_64__)
#include <immintrin.h>
#include "../../simd_math_avx512.h"

#define SL_AVX512 __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))
#define SL_AVX512_BF16 __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx512bf16")))
#define ALWAYS_INLINE static inline __attribute__((always_inline))

/// Tokens per register tile.
enum { TILE_TOKENS = 8 };
#ifndef PREFETCH_AHEAD
#define PREFETCH_AHEAD 8192
#endif
#endif
