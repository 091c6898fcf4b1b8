// Scalar reference kernels of the non-linear 4-bit formats IQ4_NL and IQ4_XS: quants are indices into
// sl_iq4nl_values. Dequantize, and dot products that sum integers inside a block (IQ4_NL with Q8_0, as
// ggml-cpu pairs it) or a sub-block scaled by its 6-bit scale (IQ4_XS with Q8_K), as ggml does.
#include "quants_types.h"

/// The 32 levels of one IQ4 block of 16 bytes: element k < 16 from the low nibble of qs[k], k >= 16 from
/// the high nibble of qs[k - 16].
static inline void iq4_levels(const uint8_t qs[16], int v[32]) {
    for (int k = 0; k < 16; k++) {
        v[k] = sl_iq4nl_values[qs[k] & 0xF];
        v[k + 16] = sl_iq4nl_values[qs[k] >> 4];
    }
}

void sl_to_float_iq4_nl(const void *src, float *dst, int64_t n) {
    const block_iq4_nl *b = src;
    int v[32];
    for (int64_t i = 0; i < n / QK4_NL; i++, dst += QK4_NL) {
        const float d = sl_half_to_float(b[i].d);
        iq4_levels(b[i].qs, v);
        for (int k = 0; k < QK4_NL; k++) dst[k] = d * v[k];
    }
}

void sl_to_float_iq4_xs(const void *src, float *dst, int64_t n) {
    const block_iq4_xs *b = src;
    int v[32];
    for (int64_t i = 0; i < n / QK_K; i++) {
        const float d = sl_half_to_float(b[i].d);
        for (int j = 0; j < 8; j++, dst += 32) {
            const float dl = d * sl_iq4_xs_scale(&b[i], j);
            iq4_levels(b[i].qs + 16 * j, v);
            for (int k = 0; k < 32; k++) dst[k] = dl * v[k];
        }
    }
}

void sl_vec_dot_iq4_nl_q8_0_ref(int n, float *s, const void *vx, const void *vy) {
    const block_iq4_nl *x = vx;
    const block_q8_0 *y = vy;
    float sum = 0;
    int v[32];
    for (int i = 0; i < n / QK4_NL; i++) {
        iq4_levels(x[i].qs, v);
        int sumi = 0;
        for (int k = 0; k < QK4_NL; k++) sumi += v[k] * y[i].qs[k];
        sum += sumi * (sl_half_to_float(x[i].d) * sl_half_to_float(y[i].d));
    }
    *s = sum;
}

void sl_vec_dot_iq4_xs_q8_K_ref(int n, float *s, const void *vx, const void *vy) {
    const block_iq4_xs *x = vx;
    const block_q8_K *y = vy;
    float sum = 0;
    int v[32];
    for (int i = 0; i < n / QK_K; i++) {
        int sumi = 0;
        for (int j = 0; j < 8; j++) {
            iq4_levels(x[i].qs + 16 * j, v);
            int sj = 0;
            for (int k = 0; k < 32; k++) sj += v[k] * y[i].qs[32 * j + k];
            sumi += sl_iq4_xs_scale(&x[i], j) * sj;
        }
        sum += sl_half_to_float(x[i].d) * y[i].d * sumi;
    }
    *s = sum;
}
