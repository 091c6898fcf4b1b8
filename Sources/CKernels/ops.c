// Elementwise and normalization operators. Scalar loops written so that -O3
// vectorizes them; the matmul and attention kernels live in their own files.
#include "sl_ops.h"

#include <math.h>
#include <pthread.h>

void sl_rmsnorm(const float *x, const float *weight, float *y, int64_t rows, int64_t n, float eps) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * n;
        float *yr = y + r * n;
        // Accumulate in double, as ggml's rms_norm does, so long rows round the same way.
        double sum = 0.0;
        for (int64_t i = 0; i < n; i++) sum += (double)(xr[i] * xr[i]);
        const float scale = 1.0f / sqrtf((float)(sum / (double)n) + eps);
        for (int64_t i = 0; i < n; i++) yr[i] = xr[i] * scale * weight[i];
    }
}

void sl_layernorm(const float *x, const float *weight, const float *bias, float *y, int64_t rows, int64_t n, float eps) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * n;
        float *yr = y + r * n;
        // Mean, then the variance of the centred values, accumulated in double as sl_rmsnorm does.
        double sum = 0.0;
        for (int64_t i = 0; i < n; i++) sum += (double)xr[i];
        const float mean = (float)(sum / (double)n);
        double squares = 0.0;
        for (int64_t i = 0; i < n; i++) {
            const float d = xr[i] - mean;
            squares += (double)(d * d);
        }
        const float scale = 1.0f / sqrtf((float)(squares / (double)n) + eps);
        for (int64_t i = 0; i < n; i++) yr[i] = (xr[i] - mean) * scale * weight[i] + bias[i];
    }
}

void sl_add(float *x, const float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) x[i] += y[i];
}

void sl_scale(float *x, float factor, int64_t n) {
    for (int64_t i = 0; i < n; i++) x[i] *= factor;
}

void sl_softcap(float *x, float cap, int64_t n) {
    for (int64_t i = 0; i < n; i++) x[i] = tanhf(x[i] / cap) * cap;
}

void sl_add_bias(float *x, const float *bias, int64_t rows, int64_t n) {
    for (int64_t r = 0; r < rows; r++) sl_add(x + r * n, bias, n);
}

void sl_swiglu(const float *gate, const float *up, float *out, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const float g = gate[i];
        out[i] = g / (1.0f + expf(-g)) * up[i];
    }
}

// GELU (tanh form) as llama.cpp's CPU backend computes it: the input rounded to f16, GELU of that in
// f32, rounded to f16 again (ggml's table of all 65,536 halves), and |x| >= 10 passed through or zeroed.
static float gelu_table[1 << 16];
static pthread_once_t gelu_once = PTHREAD_ONCE_INIT;

static void gelu_table_init(void) {
    const float sqrt_2_over_pi = 0.79788456080286535587989211986876f, coef_a = 0.044715f;
    for (int i = 0; i < (1 << 16); i++) {
        const float x = sl_fp16_to_fp32((uint16_t)i);
        const float g = 0.5f * x * (1.0f + tanhf(sqrt_2_over_pi * x * (1.0f + coef_a * x * x)));
        gelu_table[i] = sl_fp16_to_fp32(sl_fp32_to_fp16(g));
    }
}

void sl_geglu(const float *gate, const float *up, float *out, int64_t n) {
    pthread_once(&gelu_once, gelu_table_init);
    for (int64_t i = 0; i < n; i++) {
        const float g = gate[i];
        const float act = g <= -10.0f ? 0.0f : g >= 10.0f ? g : gelu_table[sl_fp32_to_fp16(g)];
        out[i] = act * up[i];
    }
}

void sl_gelu(float *x, int64_t n) {
    pthread_once(&gelu_once, gelu_table_init);
    for (int64_t i = 0; i < n; i++) {
        const float g = x[i];
        x[i] = g <= -10.0f ? 0.0f : g >= 10.0f ? g : gelu_table[sl_fp32_to_fp16(g)];
    }
}

void sl_rope(float *x, const int32_t *positions, int64_t num_tokens, int64_t num_heads, int64_t head_dim,
             int64_t rope_dim, float freq_base, int neox) {
    const sl_rope_params p = {.freq_base = freq_base, .freq_scale = 1, .attn_factor = 1, .neox = neox};
    sl_rope_ext(x, positions, num_tokens, num_heads, head_dim, rope_dim, &p);
}

// YaRN's ramp between interpolated and extrapolated frequencies over dimension pairs (ggml's rope_yarn).
static float yarn_ramp(float low, float high, int64_t i0) {
    const float y = ((float)(i0 / 2) - low) / fmaxf(0.001f, high - low);
    return 1 - fminf(1, fmaxf(0, y));
}

void sl_rope_ext(float *x, const int32_t *positions, int64_t num_tokens, int64_t num_heads, int64_t head_dim,
                 int64_t rope_dim, const sl_rope_params *p) {
    // theta_i = pos * base^(-2i/ropeDim), built by repeated multiplication as ggml does, then divided by the
    // pair's frequency factor, scaled, and (YaRN) mixed with the unscaled angle.
    const float theta_scale = powf(p->freq_base, -2.0f / (float)rope_dim);
    const int64_t half = rope_dim / 2;
    float mscale = p->attn_factor;
    if (p->ext_factor != 0) mscale *= 1.0f + 0.1f * logf(1.0f / p->freq_scale);
    float cos_table[512], sin_table[512];
    for (int64_t t = 0; t < num_tokens; t++) {
        float theta_base = (float)positions[t];
        for (int64_t i = 0; i < half && i < 512; i++) {
            const float extrapolated = theta_base / (p->freq_factors ? p->freq_factors[i] : 1.0f);
            const float interpolated = p->freq_scale * extrapolated;
            float theta = interpolated;
            if (p->ext_factor != 0) {
                const float mix = yarn_ramp(p->corr_low, p->corr_high, 2 * i) * p->ext_factor;
                theta = interpolated * (1 - mix) + extrapolated * mix;
            }
            cos_table[i] = cosf(theta) * mscale;
            sin_table[i] = sinf(theta) * mscale;
            theta_base *= theta_scale;
        }
        for (int64_t h = 0; h < num_heads; h++) {
            float *v = x + (t * num_heads + h) * head_dim;
            for (int64_t i = 0; i < half; i++) {
                const int64_t a = p->neox ? i : 2 * i;
                const int64_t b = p->neox ? i + half : 2 * i + 1;
                const float x0 = v[a], x1 = v[b];
                v[a] = x0 * cos_table[i] - x1 * sin_table[i];
                v[b] = x0 * sin_table[i] + x1 * cos_table[i];
            }
        }
    }
}

int sl_get_rows(sl_type type, const void *table, int64_t num_rows, int64_t cols, const int32_t *ids, int64_t n,
                float *out) {
    const sl_type_traits *traits = sl_get_type_traits(type);
    if (!traits || !traits->to_float) return -1;
    const size_t row_size = sl_row_size(type, cols);
    for (int64_t i = 0; i < n; i++) {
        if (ids[i] < 0 || ids[i] >= num_rows) return -1;
        traits->to_float((const char *)table + (size_t)ids[i] * row_size, out + i * cols, cols);
    }
    return 0;
}
