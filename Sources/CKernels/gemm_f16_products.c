// The scalar reference of the fp16-products GEMM (SL_ACT_F16_PRODUCTS, the encoders' F16 projections):
// every f16 rounding of vfmadd231ph emulated exactly, so the AVX512-FP16 kernel can match it bit for bit.
#include "gemm_internal.h"
#include <math.h>

/// `s` rounded to f16 (nearest even; overflow to infinity; f16 subnormals kept), where `s` is an exact
/// sum rounded to double and `err` what that rounding dropped: it breaks a tie `s` only seems to be.
static float round_to_f16(double s, double err) {
    if (s == 0 || !isfinite(s)) return (float)s;
    int e;
    frexp(s, &e); // |s| in [2^(e-1), 2^e)
    const int lead = e - 1 < -14 ? -14 : e - 1;
    const double ulp = ldexp(1, lead - 10);
    const double q = s / ulp; // exact: a power of two
    double r = nearbyint(q);
    if (q - floor(q) == 0.5 && err != 0) r = err > 0 ? floor(q) + 1 : floor(q);
    const double v = copysign(r * ulp, s);
    if (fabs(v) >= 65536) return s > 0 ? INFINITY : -INFINITY; // past 65504 + half an ulp
    return (float)v;
}

/// a * b + c rounded once to f16, for f16 values a, b, c: what vfmadd231ph computes in each lane (the
/// instruction honours f16 subnormals whatever MXCSR says). The product is exact in double (11 x 11
/// significant bits); the sum is rounded to double, and TwoSum (Knuth) recovers the part it lost, so a
/// second rounding to f16 cannot land on the wrong side of a tie.
static float f16_fma_ref(float a, float b, float c) {
    const double p = (double)a * (double)b;
    const double s = p + c;
    const double bb = s - p;
    const double err = (p - (s - bb)) + ((double)c - bb);
    return round_to_f16(s, err);
}

void sl_gemm_group_f16_products_ref(const sl_packed_matrix *m, int64_t group, const sl_qact *a, float *y,
                                    int64_t ldy, int nrows, int accumulate) {
    const sl_packed_layout *l = sl_packed_layout_of(m->type);
    const int64_t nb = m->cols / 32;
    for (int64_t t = 0; t < a->tokens; t++) {
        const uint16_t *x = a->f16 + t * a->cols;
        for (int r = 0; r < nrows; r++) {
            float acc[2] = {0, 0}; // the even columns' chains, the odd columns'
            for (int64_t c0 = 0; m->type == SL_TYPE_F16 && c0 < m->cols; c0 += SL_F16_PRODUCTS_CHAIN) {
                float chain[2] = {0, 0};
                for (int64_t k = c0; k < c0 + SL_F16_PRODUCTS_CHAIN; k++) {
                    const uint16_t *w = (const uint16_t *)sl_packed_block(m, l, group, k / 32);
                    chain[k % 2] = f16_fma_ref(sl_fp16_to_fp32(w[SL_PACK_ROWS * (k % 32) + r]), sl_fp16_to_fp32(x[k]), chain[k % 2]);
                }
                acc[0] += chain[0];
                acc[1] += chain[1];
            }
            // Only F16 weights have fp16 products: any other type gets NaN, never another type's sum.
            const float v = m->type == SL_TYPE_F16 ? (acc[0] + acc[1]) * a->d[t * nb] : NAN;
            float *out = y + t * ldy + r;
            *out = accumulate ? *out + v : v;
        }
    }
}
