// Scalar reference kernels of the 256-element super-block formats (the
// "K-quants"): dequantize, the Q8_K activation quantizer, and dot products
// that sum integers inside a super-block, as ggml does.
#include <math.h>
#include "quants_types.h"

// MARK: - Dequantize

void sl_to_float_q4_K(const void *src, float *dst, int64_t n) {
    const block_q4_K *b = src;
    for (int64_t i = 0; i < n / QK_K; i++) {
        const float d = sl_half_to_float(b[i].d), dmin = sl_half_to_float(b[i].dmin);
        const uint8_t *q = b[i].qs;
        // Each 32 bytes of qs hold two sub-blocks: low nibbles, then high nibbles.
        for (int j = 0; j < 8; j += 2, q += 32) {
            uint8_t sc0, m0, sc1, m1;
            sl_k_scale_min(j, b[i].scales, &sc0, &m0);
            sl_k_scale_min(j + 1, b[i].scales, &sc1, &m1);
            const float d0 = d * sc0, o0 = dmin * m0, d1 = d * sc1, o1 = dmin * m1;
            for (int l = 0; l < 32; l++) *dst++ = d0 * (q[l] & 0xF) - o0;
            for (int l = 0; l < 32; l++) *dst++ = d1 * (q[l] >> 4) - o1;
        }
    }
}

void sl_to_float_q5_K(const void *src, float *dst, int64_t n) {
    const block_q5_K *b = src;
    for (int64_t i = 0; i < n / QK_K; i++) {
        const float d = sl_half_to_float(b[i].d), dmin = sl_half_to_float(b[i].dmin);
        const uint8_t *q = b[i].qs;
        // Sub-block j takes its 5th bits from bit j of each qh byte.
        for (int j = 0; j < 8; j += 2, q += 32) {
            uint8_t sc0, m0, sc1, m1;
            sl_k_scale_min(j, b[i].scales, &sc0, &m0);
            sl_k_scale_min(j + 1, b[i].scales, &sc1, &m1);
            const float d0 = d * sc0, o0 = dmin * m0, d1 = d * sc1, o1 = dmin * m1;
            for (int l = 0; l < 32; l++) *dst++ = d0 * ((q[l] & 0xF) + (((b[i].qh[l] >> j) & 1) << 4)) - o0;
            for (int l = 0; l < 32; l++) *dst++ = d1 * ((q[l] >> 4) + (((b[i].qh[l] >> (j + 1)) & 1) << 4)) - o1;
        }
    }
}

/// The 6-bit quants of a Q6_K block minus 32, in element order.
static inline void q6_unpack(const block_q6_K *b, int8_t q[QK_K]) {
    // Each half of 128 elements uses 64 bytes of ql and 32 of qh: four runs of 32 elements.
    for (int h = 0; h < 2; h++) {
        const uint8_t *ql = b->ql + 64 * h, *qh = b->qh + 32 * h;
        int8_t *o = q + 128 * h;
        for (int l = 0; l < 32; l++) {
            o[l] = (int8_t)(((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32);
            o[l + 32] = (int8_t)(((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
            o[l + 64] = (int8_t)(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
            o[l + 96] = (int8_t)(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
        }
    }
}

void sl_to_float_q6_K(const void *src, float *dst, int64_t n) {
    const block_q6_K *b = src;
    int8_t q[QK_K];
    for (int64_t i = 0; i < n / QK_K; i++, dst += QK_K) {
        const float d = sl_half_to_float(b[i].d);
        q6_unpack(&b[i], q);
        for (int l = 0; l < QK_K; l++) dst[l] = d * b[i].scales[l / 16] * q[l];
    }
}

void sl_to_float_q8_K(const void *src, float *dst, int64_t n) {
    const block_q8_K *b = src;
    for (int64_t i = 0; i < n / QK_K; i++, dst += QK_K) {
        for (int l = 0; l < QK_K; l++) dst[l] = b[i].d * b[i].qs[l];
    }
}

// MARK: - Quantize

/// Round to nearest, ties to even (ggml's nearest_int; |v| < 2^22).
static inline int nearest_int(float v) {
    float t = v + 12582912.0f;
    int32_t i;
    memcpy(&i, &t, 4);
    return (i & 0x007FFFFF) - 0x00400000;
}

void sl_from_float_q8_K_ref(const float *x, void *dst, int64_t n) {
    block_q8_K *b = dst;
    for (int64_t i = 0; i < n / QK_K; i++, x += QK_K) {
        float amax = 0, max = 0;
        for (int j = 0; j < QK_K; j++) {
            if (fabsf(x[j]) > amax) {
                amax = fabsf(x[j]);
                max = x[j];
            }
        }
        if (amax == 0) {
            memset(&b[i], 0, sizeof(block_q8_K));
            continue;
        }
        const float iscale = -127.0f / max;
        for (int j = 0; j < QK_K; j++) {
            const int v = nearest_int(iscale * x[j]);
            b[i].qs[j] = (int8_t)(v < 127 ? v : 127);
        }
        for (int g = 0; g < QK_K / 16; g++) {
            int sum = 0;
            for (int l = 0; l < 16; l++) sum += b[i].qs[16 * g + l];
            b[i].bsums[g] = (int16_t)sum;
        }
        b[i].d = 1 / iscale;
    }
}

// MARK: - Dot products

/// Σ m_j * (sum of the activations of sub-block j): the min term of Q4_K / Q5_K.
static inline int k_mins_dot(const uint8_t *scales, const int16_t *bsums) {
    int summ = 0;
    for (int j = 0; j < 8; j++) {
        uint8_t sc, m;
        sl_k_scale_min(j, scales, &sc, &m);
        summ += m * (bsums[2 * j] + bsums[2 * j + 1]);
    }
    return summ;
}

void sl_vec_dot_q4_K_q8_K_ref(int n, float *s, const void *vx, const void *vy) {
    const block_q4_K *x = vx;
    const block_q8_K *y = vy;
    float sum = 0;
    for (int i = 0; i < n / QK_K; i++) {
        const uint8_t *q = x[i].qs;
        const int8_t *a = y[i].qs;
        int sumi = 0;
        for (int j = 0; j < 8; j += 2, q += 32, a += 64) {
            uint8_t sc0, m0, sc1, m1;
            sl_k_scale_min(j, x[i].scales, &sc0, &m0);
            sl_k_scale_min(j + 1, x[i].scales, &sc1, &m1);
            int s0 = 0, s1 = 0;
            for (int l = 0; l < 32; l++) {
                s0 += (q[l] & 0xF) * a[l];
                s1 += (q[l] >> 4) * a[l + 32];
            }
            sumi += sc0 * s0 + sc1 * s1;
        }
        const int summ = k_mins_dot(x[i].scales, y[i].bsums);
        sum += sl_half_to_float(x[i].d) * y[i].d * sumi - sl_half_to_float(x[i].dmin) * y[i].d * summ;
    }
    *s = sum;
}

void sl_vec_dot_q5_K_q8_K_ref(int n, float *s, const void *vx, const void *vy) {
    const block_q5_K *x = vx;
    const block_q8_K *y = vy;
    float sum = 0;
    for (int i = 0; i < n / QK_K; i++) {
        const uint8_t *q = x[i].qs, *qh = x[i].qh;
        const int8_t *a = y[i].qs;
        int sumi = 0;
        for (int j = 0; j < 8; j += 2, q += 32, a += 64) {
            uint8_t sc0, m0, sc1, m1;
            sl_k_scale_min(j, x[i].scales, &sc0, &m0);
            sl_k_scale_min(j + 1, x[i].scales, &sc1, &m1);
            int s0 = 0, s1 = 0;
            for (int l = 0; l < 32; l++) {
                s0 += ((q[l] & 0xF) | (((qh[l] >> j) & 1) << 4)) * a[l];
                s1 += ((q[l] >> 4) | (((qh[l] >> (j + 1)) & 1) << 4)) * a[l + 32];
            }
            sumi += sc0 * s0 + sc1 * s1;
        }
        const int summ = k_mins_dot(x[i].scales, y[i].bsums);
        sum += sl_half_to_float(x[i].d) * y[i].d * sumi - sl_half_to_float(x[i].dmin) * y[i].d * summ;
    }
    *s = sum;
}

void sl_vec_dot_q6_K_q8_K_ref(int n, float *s, const void *vx, const void *vy) {
    const block_q6_K *x = vx;
    const block_q8_K *y = vy;
    float sum = 0;
    int8_t q[QK_K];
    for (int i = 0; i < n / QK_K; i++) {
        q6_unpack(&x[i], q);
        int sumi = 0;
        for (int g = 0; g < QK_K / 16; g++) {
            int sg = 0;
            for (int l = 0; l < 16; l++) sg += q[16 * g + l] * y[i].qs[16 * g + l];
            sumi += x[i].scales[g] * sg;
        }
        sum += sl_half_to_float(x[i].d) * y[i].d * sumi;
    }
    *s = sum;
}
