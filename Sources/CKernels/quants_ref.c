// Scalar reference kernels of the float types and the 32-element block formats:
// dequantize, quantize (as ggml's reference quantizers: same scale, same rounding),
// and dot products that sum integers inside a block, as ggml does.
#include <math.h>
#include "quants_types.h"

// MARK: - Float types

void sl_to_float_f32(const void *src, float *dst, int64_t n) { memcpy(dst, src, (size_t)n * sizeof(float)); }
void sl_from_float_f32(const float *src, void *dst, int64_t n) { memcpy(dst, src, (size_t)n * sizeof(float)); }

void sl_to_float_f16(const void *src, float *dst, int64_t n) {
    const uint16_t *h = src;
    for (int64_t i = 0; i < n; i++) dst[i] = sl_half_to_float(h[i]);
}

void sl_from_float_f16(const float *src, void *dst, int64_t n) {
    uint16_t *h = dst;
    for (int64_t i = 0; i < n; i++) h[i] = sl_fp32_to_fp16(src[i]);
}

void sl_to_float_bf16(const void *src, float *dst, int64_t n) {
    const uint16_t *h = src;
    for (int64_t i = 0; i < n; i++) dst[i] = sl_bf16_to_fp32(h[i]);
}

void sl_from_float_bf16(const float *src, void *dst, int64_t n) {
    uint16_t *h = dst;
    for (int64_t i = 0; i < n; i++) h[i] = sl_fp32_to_bf16(src[i]);
}

// The float dot products accumulate in double, as ggml's scalar versions do.
void sl_vec_dot_f32_ref(int n, float *s, const void *vx, const void *vy) {
    const float *x = vx, *y = vy;
    double sum = 0;
    for (int i = 0; i < n; i++) sum += (double)x[i] * (double)y[i];
    *s = (float)sum;
}

void sl_vec_dot_f16_ref(int n, float *s, const void *vx, const void *vy) {
    const uint16_t *x = vx, *y = vy;
    double sum = 0;
    for (int i = 0; i < n; i++) sum += (double)(sl_half_to_float(x[i]) * sl_half_to_float(y[i]));
    *s = (float)sum;
}

void sl_vec_dot_bf16_ref(int n, float *s, const void *vx, const void *vy) {
    const uint16_t *x = vx, *y = vy;
    double sum = 0;
    for (int i = 0; i < n; i++) sum += (double)(sl_bf16_to_fp32(x[i]) * sl_bf16_to_fp32(y[i]));
    *s = (float)sum;
}

// MARK: - Dequantize

void sl_to_float_q4_0(const void *src, float *dst, int64_t n) {
    const block_q4_0 *b = src;
    for (int64_t i = 0; i < n / QK4_0; i++, dst += QK4_0) {
        const float d = sl_half_to_float(b[i].d);
        for (int j = 0; j < QK4_0 / 2; j++) {
            dst[j] = ((b[i].qs[j] & 0xF) - 8) * d;
            dst[j + QK4_0 / 2] = ((b[i].qs[j] >> 4) - 8) * d;
        }
    }
}

void sl_to_float_q4_1(const void *src, float *dst, int64_t n) {
    const block_q4_1 *b = src;
    for (int64_t i = 0; i < n / QK4_1; i++, dst += QK4_1) {
        const float d = sl_half_to_float(b[i].d), m = sl_half_to_float(b[i].m);
        for (int j = 0; j < QK4_1 / 2; j++) {
            dst[j] = (b[i].qs[j] & 0xF) * d + m;
            dst[j + QK4_1 / 2] = (b[i].qs[j] >> 4) * d + m;
        }
    }
}

/// The 5-bit quants of a Q5_0 / Q5_1 block, in element order.
static inline void q5_unpack(const uint8_t qh_bytes[4], const uint8_t qs[16], int q[32]) {
    uint32_t qh;
    memcpy(&qh, qh_bytes, 4);
    for (int j = 0; j < 16; j++) {
        q[j] = (qs[j] & 0xF) | (int)(((qh >> j) & 1u) << 4);
        q[j + 16] = (qs[j] >> 4) | (int)(((qh >> (j + 16)) & 1u) << 4);
    }
}

void sl_to_float_q5_0(const void *src, float *dst, int64_t n) {
    const block_q5_0 *b = src;
    int q[32];
    for (int64_t i = 0; i < n / QK5_0; i++, dst += QK5_0) {
        const float d = sl_half_to_float(b[i].d);
        q5_unpack(b[i].qh, b[i].qs, q);
        for (int j = 0; j < QK5_0; j++) dst[j] = (q[j] - 16) * d;
    }
}

void sl_to_float_q5_1(const void *src, float *dst, int64_t n) {
    const block_q5_1 *b = src;
    int q[32];
    for (int64_t i = 0; i < n / QK5_1; i++, dst += QK5_1) {
        const float d = sl_half_to_float(b[i].d), m = sl_half_to_float(b[i].m);
        q5_unpack(b[i].qh, b[i].qs, q);
        for (int j = 0; j < QK5_1; j++) dst[j] = q[j] * d + m;
    }
}

void sl_to_float_q8_0(const void *src, float *dst, int64_t n) {
    const block_q8_0 *b = src;
    for (int64_t i = 0; i < n / QK8_0; i++, dst += QK8_0) {
        const float d = sl_half_to_float(b[i].d);
        for (int j = 0; j < QK8_0; j++) dst[j] = b[i].qs[j] * d;
    }
}

void sl_to_float_q8_1(const void *src, float *dst, int64_t n) {
    const block_q8_1 *b = src;
    for (int64_t i = 0; i < n / QK8_1; i++, dst += QK8_1) {
        const float d = sl_half_to_float(b[i].d);
        for (int j = 0; j < QK8_1; j++) dst[j] = b[i].qs[j] * d;
    }
}

// MARK: - Quantize

/// The signed value of largest magnitude (the first one on ties), as ggml's symmetric quantizers pick it.
static inline float signed_absmax(const float *x, int n) {
    float amax = 0, max = 0;
    for (int j = 0; j < n; j++) {
        if (amax < fabsf(x[j])) {
            amax = fabsf(x[j]);
            max = x[j];
        }
    }
    return max;
}

void sl_from_float_q4_0_ref(const float *x, void *dst, int64_t n) {
    block_q4_0 *b = dst;
    for (int64_t i = 0; i < n / QK4_0; i++, x += QK4_0) {
        const float d = signed_absmax(x, QK4_0) / -8;
        const float id = d ? 1.0f / d : 0.0f;
        b[i].d = sl_fp32_to_fp16(d);
        for (int j = 0; j < QK4_0 / 2; j++) {
            int q0 = (int8_t)(x[j] * id + 8.5f), q1 = (int8_t)(x[j + 16] * id + 8.5f);
            q0 = q0 < 15 ? q0 : 15;
            q1 = q1 < 15 ? q1 : 15;
            b[i].qs[j] = (uint8_t)(q0 | (q1 << 4));
        }
    }
}

void sl_from_float_q5_0_ref(const float *x, void *dst, int64_t n) {
    block_q5_0 *b = dst;
    for (int64_t i = 0; i < n / QK5_0; i++, x += QK5_0) {
        const float d = signed_absmax(x, QK5_0) / -16;
        const float id = d ? 1.0f / d : 0.0f;
        b[i].d = sl_fp32_to_fp16(d);
        uint32_t qh = 0;
        for (int j = 0; j < QK5_0 / 2; j++) {
            int q0 = (int8_t)(x[j] * id + 16.5f), q1 = (int8_t)(x[j + 16] * id + 16.5f);
            q0 = q0 < 31 ? q0 : 31;
            q1 = q1 < 31 ? q1 : 31;
            b[i].qs[j] = (uint8_t)((q0 & 0xF) | ((q1 & 0xF) << 4));
            qh |= (uint32_t)(q0 >> 4) << j;
            qh |= (uint32_t)(q1 >> 4) << (j + 16);
        }
        memcpy(b[i].qh, &qh, 4);
    }
}

/// Min and max of a block, for the asymmetric formats.
static inline void min_max(const float *x, int n, float *min, float *max) {
    *min = x[0];
    *max = x[0];
    for (int j = 1; j < n; j++) {
        if (x[j] < *min) *min = x[j];
        if (x[j] > *max) *max = x[j];
    }
}

void sl_from_float_q4_1_ref(const float *x, void *dst, int64_t n) {
    block_q4_1 *b = dst;
    for (int64_t i = 0; i < n / QK4_1; i++, x += QK4_1) {
        float min, max;
        min_max(x, QK4_1, &min, &max);
        const float d = (max - min) / 15;
        const float id = d ? 1.0f / d : 0.0f;
        b[i].d = sl_fp32_to_fp16(d);
        b[i].m = sl_fp32_to_fp16(min);
        for (int j = 0; j < QK4_1 / 2; j++) {
            int q0 = (int8_t)((x[j] - min) * id + 0.5f), q1 = (int8_t)((x[j + 16] - min) * id + 0.5f);
            q0 = q0 < 15 ? q0 : 15;
            q1 = q1 < 15 ? q1 : 15;
            b[i].qs[j] = (uint8_t)(q0 | (q1 << 4));
        }
    }
}

void sl_from_float_q5_1_ref(const float *x, void *dst, int64_t n) {
    block_q5_1 *b = dst;
    for (int64_t i = 0; i < n / QK5_1; i++, x += QK5_1) {
        float min, max;
        min_max(x, QK5_1, &min, &max);
        const float d = (max - min) / 31;
        const float id = d ? 1.0f / d : 0.0f;
        b[i].d = sl_fp32_to_fp16(d);
        b[i].m = sl_fp32_to_fp16(min);
        uint32_t qh = 0;
        for (int j = 0; j < QK5_1 / 2; j++) {
            const uint32_t q0 = (uint8_t)((x[j] - min) * id + 0.5f), q1 = (uint8_t)((x[j + 16] - min) * id + 0.5f);
            b[i].qs[j] = (uint8_t)((q0 & 0xF) | ((q1 & 0xF) << 4));
            qh |= ((q0 >> 4) & 1u) << j;
            qh |= ((q1 >> 4) & 1u) << (j + 16);
        }
        memcpy(b[i].qh, &qh, 4);
    }
}

/// max |x| of a block; the 8-bit scale is absmax / 127.
static inline float q8_absmax(const float *x, int n) {
    float amax = 0;
    for (int j = 0; j < n; j++) amax = fmaxf(amax, fabsf(x[j]));
    return amax;
}

void sl_from_float_q8_0_ref(const float *x, void *dst, int64_t n) {
    block_q8_0 *b = dst;
    for (int64_t i = 0; i < n / QK8_0; i++, x += QK8_0) {
        // As llama.cpp's x86 quantizer (the one its CPU backend runs): multiply by 127 / absmax and
        // round half to even. Matching it matters: this model family is sensitive to activation rounding.
        const float amax = q8_absmax(x, QK8_0);
        const float d = amax / 127;
        const float id = amax != 0 ? 127.0f / amax : 0.0f;
        b[i].d = sl_fp32_to_fp16(d);
        for (int j = 0; j < QK8_0; j++) b[i].qs[j] = (int8_t)nearbyintf(x[j] * id);
    }
}

void sl_from_float_q8_1_ref(const float *x, void *dst, int64_t n) {
    block_q8_1 *b = dst;
    for (int64_t i = 0; i < n / QK8_1; i++, x += QK8_1) {
        const float amax = q8_absmax(x, QK8_1);
        const float d = amax / 127;
        const float id = amax != 0 ? 127.0f / amax : 0.0f;
        b[i].d = sl_fp32_to_fp16(d);
        int sum = 0;
        for (int j = 0; j < QK8_1; j++) {
            b[i].qs[j] = (int8_t)nearbyintf(x[j] * id);
            sum += b[i].qs[j];
        }
        b[i].s = sl_fp32_to_fp16(sum * d);
    }
}

// MARK: - Dot products

void sl_vec_dot_q4_0_q8_0_ref(int n, float *s, const void *vx, const void *vy) {
    const block_q4_0 *x = vx;
    const block_q8_0 *y = vy;
    float sum = 0;
    for (int i = 0; i < n / QK8_0; i++) {
        int sumi = 0;
        for (int j = 0; j < QK8_0 / 2; j++) {
            sumi += ((x[i].qs[j] & 0xF) - 8) * y[i].qs[j];
            sumi += ((x[i].qs[j] >> 4) - 8) * y[i].qs[j + 16];
        }
        sum += sumi * (sl_half_to_float(x[i].d) * sl_half_to_float(y[i].d));
    }
    *s = sum;
}

void sl_vec_dot_q4_1_q8_1_ref(int n, float *s, const void *vx, const void *vy) {
    const block_q4_1 *x = vx;
    const block_q8_1 *y = vy;
    float sum = 0;
    for (int i = 0; i < n / QK8_1; i++) {
        int sumi = 0;
        for (int j = 0; j < QK8_1 / 2; j++) {
            sumi += (x[i].qs[j] & 0xF) * y[i].qs[j];
            sumi += (x[i].qs[j] >> 4) * y[i].qs[j + 16];
        }
        sum += sumi * (sl_half_to_float(x[i].d) * sl_half_to_float(y[i].d)) +
               sl_half_to_float(x[i].m) * sl_half_to_float(y[i].s);
    }
    *s = sum;
}

void sl_vec_dot_q5_0_q8_0_ref(int n, float *s, const void *vx, const void *vy) {
    const block_q5_0 *x = vx;
    const block_q8_0 *y = vy;
    float sum = 0;
    int q[32];
    for (int i = 0; i < n / QK8_0; i++) {
        q5_unpack(x[i].qh, x[i].qs, q);
        int sumi = 0;
        for (int j = 0; j < QK8_0; j++) sumi += (q[j] - 16) * y[i].qs[j];
        sum += sumi * (sl_half_to_float(x[i].d) * sl_half_to_float(y[i].d));
    }
    *s = sum;
}

void sl_vec_dot_q5_1_q8_1_ref(int n, float *s, const void *vx, const void *vy) {
    const block_q5_1 *x = vx;
    const block_q8_1 *y = vy;
    float sum = 0;
    int q[32];
    for (int i = 0; i < n / QK8_1; i++) {
        q5_unpack(x[i].qh, x[i].qs, q);
        int sumi = 0;
        for (int j = 0; j < QK8_1; j++) sumi += q[j] * y[i].qs[j];
        sum += sumi * (sl_half_to_float(x[i].d) * sl_half_to_float(y[i].d)) +
               sl_half_to_float(x[i].m) * sl_half_to_float(y[i].s);
    }
    *s = sum;
}

void sl_vec_dot_q8_0_q8_0_ref(int n, float *s, const void *vx, const void *vy) {
    const block_q8_0 *x = vx;
    const block_q8_0 *y = vy;
    float sum = 0;
    for (int i = 0; i < n / QK8_0; i++) {
        int sumi = 0;
        for (int j = 0; j < QK8_0; j++) sumi += x[i].qs[j] * y[i].qs[j];
        sum += sumi * (sl_half_to_float(x[i].d) * sl_half_to_float(y[i].d));
    }
    *s = sum;
}
