// Quantized block formats, their traits table, and the scalar / SIMD kernels
// over them. Block layouts follow the GGUF (ggml) on-disk formats exactly.
#pragma once
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Tensor element types; the numbers are GGUF's (ggml_type) so they can be read from files directly.
typedef enum {
    SL_TYPE_F32 = 0,
    SL_TYPE_F16 = 1,
    SL_TYPE_Q4_0 = 2,
    SL_TYPE_Q4_1 = 3,
    SL_TYPE_Q5_0 = 6,
    SL_TYPE_Q5_1 = 7,
    SL_TYPE_Q8_0 = 8,
    SL_TYPE_Q8_1 = 9,
    SL_TYPE_Q4_K = 12,
    SL_TYPE_Q5_K = 13,
    SL_TYPE_Q6_K = 14,
    SL_TYPE_Q8_K = 15,
    SL_TYPE_IQ4_NL = 20,
    SL_TYPE_IQ4_XS = 23,
    SL_TYPE_BF16 = 30,
} sl_type;

/// Converts `n` elements (a multiple of the block size) of a row to f32.
typedef void (*sl_to_float_fn)(const void *src, float *dst, int64_t n);
/// Quantizes `n` f32 values (a multiple of the block size) into blocks.
typedef void (*sl_from_float_fn)(const float *src, void *dst, int64_t n);
/// *s = dot(x, y) over `n` elements; x is a weight row of the type, y is a row of the type's `vec_dot_type`.
typedef void (*sl_vec_dot_fn)(int n, float *s, const void *x, const void *y);

/// One entry of the traits table: everything the engine needs to know of a type.
typedef struct {
    const char *name;
    int64_t block_size;      // elements per block
    size_t type_size;        // bytes per block
    sl_type vec_dot_type;    // format the activations are quantized to for vec_dot
    sl_to_float_fn to_float; // dequantize (reference)
    sl_from_float_fn from_float;     // quantize (NULL where the engine never quantizes to this type)
    sl_vec_dot_fn vec_dot;           // fastest version for this CPU (set by sl_kernels_init)
    sl_vec_dot_fn vec_dot_ref;       // scalar reference
} sl_type_traits;

/// The traits of `t`, or NULL when the type is not supported.
const sl_type_traits *sl_get_type_traits(sl_type t);
/// Bytes of a row of `n` elements of type `t` (n must be a multiple of the block size).
size_t sl_row_size(sl_type t, int64_t n);

/// CPU feature bits found by CPUID.
enum { SL_CPU_AVX2 = 1, SL_CPU_FMA = 2, SL_CPU_F16C = 4, SL_CPU_AVX512F = 8, SL_CPU_AVX512BW = 16, SL_CPU_AVX512VNNI = 32, SL_CPU_AVX512BF16 = 64, SL_CPU_AVXVNNI = 128 };
int sl_cpu_features(void);
/// Picks the kernels for this CPU; idempotent and thread-safe. `mask` limits the features used (-1: all; 0: scalar only).
void sl_kernels_init(int mask);

/// Half and bfloat16 conversions.
float sl_fp16_to_fp32(uint16_t h);
uint16_t sl_fp32_to_fp16(float f);
float sl_bf16_to_fp32(uint16_t h);
uint16_t sl_fp32_to_bf16(float f);

/// AVX512VL, needed by the AVX-512 kernels (which also use 256-bit VNNI).
enum { SL_CPU_AVX512VL = 256 };
/// AVX512-FP16 (vfmadd231ph: 32 f16 products per instruction), for the F16 GEMM's fp16-product kernel.
enum { SL_CPU_AVX512FP16 = 512 };

/// Kernel versions, so tests and benchmarks can pin one regardless of `sl_kernels_init`.
typedef enum { SL_LEVEL_SCALAR = 0, SL_LEVEL_AVX2 = 1, SL_LEVEL_AVX512 = 2 } sl_level;
/// The features a level needs (AVX2: AVX2+FMA+F16C; AVX512: those and F+BW+VL+VNNI).
int sl_level_features(sl_level level);
/// The vec_dot of `t` written for `level`, or NULL when there is none or this CPU lacks the level's features.
sl_vec_dot_fn sl_get_vec_dot_impl(sl_type t, sl_level level);
/// The quantizer of `t` written for `level` (bit-identical to the reference), or NULL as above.
sl_from_float_fn sl_get_from_float_impl(sl_type t, sl_level level);

#ifdef __cplusplus
}
#endif
