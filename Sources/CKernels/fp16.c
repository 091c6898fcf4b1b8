// Exact scalar half / bfloat16 conversions, round-to-nearest-even like the
// hardware instructions (F16C, AVX512-BF16) and like ggml.
#include <string.h>
#include "quants_types.h"

float sl_fp16_to_fp32(uint16_t h) { return sl_half_to_float(h); }

uint16_t sl_fp32_to_fp16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    x &= 0x7FFFFFFFu;
    if (x > 0x7F800000u) return sign | 0x7E00; // NaN: canonical quiet NaN, as ggml
    if (x >= 0x477FF000u) return sign | 0x7C00; // >= 65520 rounds to infinity (65504 is odd, the tie goes up)
    if (x >= 0x38800000u) {                      // normal half: rebias the exponent, round 13 bits away
        uint32_t r = (x - 0x38000000u) + 0xFFFu + ((x >> 13) & 1u);
        return sign | (uint16_t)(r >> 13);
    }
    if (x <= 0x33000000u) return sign; // <= 2^-25: the tie with 2^-24 goes to the even zero
    // Subnormal half: count units of 2^-24, rounding to nearest even.
    uint32_t e = x >> 23;
    uint32_t m = (x & 0x7FFFFFu) | 0x800000u;
    uint32_t shift = 126 - e; // 1...24
    uint32_t r = m >> shift;
    uint32_t rem = m & ((1u << shift) - 1u);
    uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (r & 1u))) r += 1;
    return sign | (uint16_t)r;
}

float sl_bf16_to_fp32(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

uint16_t sl_fp32_to_bf16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((x >> 16) | 0x40); // keep NaN a quiet NaN
    return (uint16_t)((x + 0x7FFFu + ((x >> 16) & 1u)) >> 16);
}
