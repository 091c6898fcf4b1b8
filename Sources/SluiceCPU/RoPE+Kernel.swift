import CKernels
import Foundation
import SluiceModel

extension RoPE {
    /// The kernel's parameters (its `freq_factors` pointer left for the caller to fill).
    var kernelParameters: sl_rope_params {
        var p = sl_rope_params(freq_base: base, freq_scale: 1, ext_factor: 0, attn_factor: attentionFactor, corr_low: 0, corr_high: 0,
                               freq_factors: nil, neox: style == .neox ? 1 : 0)
        switch scaling {
        case .none: break
        case .linear(let factor): p.freq_scale = 1 / factor
        case .yarn(let factor, let originalContext):
            p.freq_scale = 1 / factor
            p.ext_factor = 1
            // ggml_rope_yarn_corr_dims with beta_fast 32 and beta_slow 1, llama.cpp's defaults.
            func dim(_ rotations: Float) -> Float {
                Float(dimensions) * logf(Float(originalContext) / (rotations * 2 * Float.pi)) / (2 * logf(base))
            }
            p.corr_low = max(0, floorf(dim(32)))
            p.corr_high = min(Float(dimensions - 1), ceilf(dim(1)))
        }
        return p
    }
}
