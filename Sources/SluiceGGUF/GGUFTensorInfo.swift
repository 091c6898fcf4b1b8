/// Where one tensor lies in a GGUF file, and its shape and element type.
public struct GGUFTensorInfo: Sendable, Equatable {
    /// The tensor's name, e.g. "blk.0.attn_q.weight".
    public let name: String
    /// Sizes in ggml order: `dimensions[0]` is the innermost (row length), e.g. [576, 49152] for a
    /// `[49152, 576]` embedding. Between 1 and 4 entries, each at least 1.
    public let dimensions: [Int]
    /// The element type (its block format on disk).
    public let type: GGMLType
    /// Byte offset of the tensor's data from the start of the file's data section.
    public let offset: Int
    /// Bytes of data: whole blocks of `type` covering every element.
    public let byteCount: Int

    /// Creates a tensor info; the reader validates the values before it builds one.
    public init(name: String, dimensions: [Int], type: GGMLType, offset: Int, byteCount: Int) {
        self.name = name
        self.dimensions = dimensions
        self.type = type
        self.offset = offset
        self.byteCount = byteCount
    }

    /// Number of elements: the product of the dimensions.
    public var elementCount: Int { dimensions.reduce(1, *) }
}
