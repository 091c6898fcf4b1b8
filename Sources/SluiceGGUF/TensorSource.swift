/// Where a model's weights come from: named tensors with GGUF-order dimensions (innermost first) and a
/// `GGMLType`, and a pointer to each one's bytes. `GGUFFile` is one; a safetensors file (F32, F16, BF16)
/// is another, its Hugging Face tensor names mapped to GGUF's by whoever adapts it. Encoders load their
/// weights through this seam, so they do not care which format the file is in.
public protocol TensorSource: AnyObject, Sendable {
    /// The info of the tensor called `name`, or nil when the source has none.
    func tensor(named name: String) -> GGUFTensorInfo?
    /// The start of `tensor`'s `byteCount` bytes; valid while the source is alive. `tensor` must come
    /// from this source.
    func data(for tensor: GGUFTensorInfo) -> UnsafeRawPointer
}

extension GGUFFile: TensorSource {}
