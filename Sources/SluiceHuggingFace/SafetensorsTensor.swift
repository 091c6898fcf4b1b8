import SluiceGGUF

/// One tensor of a safetensors file, as its header describes it once checked.
public struct SafetensorsTensor: Sendable, Equatable {
    public let name: String
    public let dtype: SafetensorsDType
    /// Sizes in PyTorch order, outermost first, e.g. [1536, 384] for a Linear from 384 to 1536.
    public let shape: [Int]
    /// Byte offset of the data from the start of the data section (just after the header).
    public let offset: Int
    public let byteCount: Int

    /// The product of the shape; 1 for a scalar.
    public var elementCount: Int { shape.reduce(1, *) }

    /// The tensor as a `GGUFTensorInfo`: dimensions reversed into ggml's innermost-first order, so an
    /// `[out, in]` weight reads `[in, out]` as in a GGUF file; a scalar is `[1]`. Throws for dtypes
    /// other than F32, F16 and BF16, and for shapes a GGUF tensor cannot have.
    public func ggufInfo() throws(SafetensorsError) -> GGUFTensorInfo {
        guard let type = dtype.ggmlType else { throw .unsupportedDType(tensor: name, dtype: dtype) }
        guard shape.count <= 4, elementCount > 0 else { throw .unsupportedShape(tensor: name, shape: shape) }
        let dimensions = shape.isEmpty ? [1] : Array(shape.reversed())
        return GGUFTensorInfo(name: name, dimensions: dimensions, type: type, offset: offset, byteCount: byteCount)
    }
}
