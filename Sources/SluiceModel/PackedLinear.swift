import CKernels

/// One or more weight matrices of the same type and width, repacked once at load into the
/// interleaved layout of the batched GEMM (sl_gemm.h), their rows stacked: Q, K and V become
/// one matrix, as do gate and up, so each runs as one GEMM over one quantized input.
public final class PackedLinear: @unchecked Sendable {
    // @unchecked: the buffer is written once in init and only read afterwards.
    public let type: sl_type
    public let cols: Int
    /// The rows each source matrix fills, in order.
    public let rowRanges: [Range<Int>]
    var matrix: sl_packed_matrix
    private let buffer: UnsafeMutableRawPointer

    /// Packs `parts`, or returns nil when they cannot share a packed matrix: a type without a
    /// packed layout, differing types or widths, or a part other than the last whose rows are
    /// not a multiple of 16 (each 16-row group must belong to one output).
    public init?(_ parts: [WeightMatrix]) {
        guard let first = parts.first, sl_packed_supports(first.type) != 0,
              parts.allSatisfy({ $0.type == first.type && $0.cols == first.cols }),
              parts.dropLast().allSatisfy({ $0.rows % Int(SL_PACK_ROWS) == 0 })
        else { return nil }
        let rows = parts.reduce(0) { $0 + $1.rows }
        let bytes = sl_packed_size(first.type, Int64(rows), Int64(first.cols))
        guard bytes > 0 else { return nil }
        type = first.type
        cols = first.cols
        buffer = .allocate(byteCount: bytes, alignment: 64)
        matrix = sl_packed_matrix()
        sl_packed_init(&matrix, first.type, Int64(rows), Int64(first.cols), buffer)
        var ranges: [Range<Int>] = []
        var next = 0
        for part in parts {
            sl_pack_rows(&matrix, Int64(next), part.data, Int64(part.rows))
            ranges.append(next..<(next + part.rows))
            next += part.rows
        }
        rowRanges = ranges
    }

    deinit { buffer.deallocate() }

    public var rows: Int { Int(matrix.rows) }
    /// Whether activations for this matrix are quantized with the +128 offset (Q8_0 weights).
    var wantsUnsignedActivations: Int32 { sl_packed_wants_unsigned(type) }
}
