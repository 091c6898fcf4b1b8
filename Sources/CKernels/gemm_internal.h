// The packed layout's byte offsets, shared by the packer, the scalar reference
// and the SIMD kernels.
//
// One block (32 columns) of a group of 16 rows:
// - Q4_0 / Q4_1: 256 bytes of nibbles in 4 chunks of 64; byte 4r + i of chunk p is byte 4p + i
//   of row r's GGUF block, so its low nibble is column 4p + i and its high nibble column 16 + 4p + i.
//   Unpacking chunk p gives the vectors for columns 4p... (low) and 16 + 4p... (high), each lane r
//   holding 4 consecutive columns of row r. Then 16 f16 scales d, then (Q4_1) 16 f16 mins m.
// - Q8_0: 512 bytes in 8 chunks of 64; byte 4r + i of chunk j is column 4j + i of row r.
//   Then 16 f16 scales d, then 16 int16 sums of each row's 32 quants (for the u8 offset trick).
#pragma once
#include "quants_types.h"
#include "include/sl_gemm.h"

enum {
    PACK_Q4_QS = 256,      // nibble bytes per block and group
    PACK_Q8_QS = 512,      // quant bytes per block and group
    PACK_SCALES = 32,      // 16 f16 or int16 values
};

/// Computes rows [0, nrows) of group `group` for every token of `a` into y[t * ldy + r].
typedef void (*sl_gemm_group_fn)(const sl_packed_matrix *m, int64_t group, const sl_qact *a, float *y,
                                 int64_t ldy, int nrows, int accumulate);
/// Quantizes one row of `cols` floats into token row `t` of `a`.
typedef void (*sl_quantize_row_fn)(const float *x, sl_qact *a, int64_t t);

void sl_gemm_group_ref(const sl_packed_matrix *m, int64_t group, const sl_qact *a, float *y, int64_t ldy,
                       int nrows, int accumulate);
void sl_quantize_act_row_ref(const float *x, sl_qact *a, int64_t t);
/// out = silu(gate) * up over n floats; the AVX-512 version uses its own exp (within 2 ulp of expf).
void sl_swiglu_row_ref(const float *gate, const float *up, float *out, int64_t n);

#if defined(__x86_64__)
void sl_gemm_group_avx512(const sl_packed_matrix *m, int64_t group, const sl_qact *a, float *y, int64_t ldy,
                          int nrows, int accumulate);
void sl_quantize_act_row_avx512(const float *x, sl_qact *a, int64_t t);
void sl_swiglu_row_avx512(const float *gate, const float *up, float *out, int64_t n);
#endif
