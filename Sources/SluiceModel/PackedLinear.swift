import CKernels
#if canImport(Glibc)
import Glibc
#endif

/// One or more weight matrices of the same type and width, repacked once at load into the
/// interleaved layout of the batched GEMM (sl_gemm.h), their rows stacked: Q, K and V become
/// one matrix, as do gate and up, so each runs as one GEMM over one quantized input.
public final class PackedLinear: @unchecked Sendable {
    // @unchecked: the memory is written once in init and only read afterwards.
    public let type: sl_type
    public let cols: Int
    /// The rows each source matrix fills, in order.
    public let rowRanges: [Range<Int>]
    var matrix: sl_packed_matrix
    /// Keeps the memory `matrix` points into alive.
    private let arena: PackedArena

    /// Bytes a packed matrix of `parts` takes, or nil when they cannot share one: a type without a
    /// packed layout, differing types or widths, or a part other than the last whose rows are
    /// not a multiple of 16 (each 16-row group must belong to one output).
    public static func byteCount(_ parts: [WeightMatrix]) -> Int? {
        guard let first = parts.first, sl_packed_supports(first.type) != 0,
              parts.allSatisfy({ $0.type == first.type && $0.cols == first.cols }),
              parts.dropLast().allSatisfy({ $0.rows % Int(SL_PACK_ROWS) == 0 })
        else { return nil }
        let bytes = sl_packed_size(first.type, Int64(parts.reduce(0) { $0 + $1.rows }), Int64(first.cols))
        return bytes > 0 ? PackedArena.aligned(bytes) : nil
    }

    /// Packs `parts` into memory taken from `arena`, or returns nil when they cannot share a packed
    /// matrix (see `byteCount`) or the arena has no room left.
    public init?(_ parts: [WeightMatrix], arena: PackedArena) {
        guard let bytes = Self.byteCount(parts), let first = parts.first, let buffer = arena.take(bytes) else { return nil }
        let rows = parts.reduce(0) { $0 + $1.rows }
        type = first.type
        cols = first.cols
        self.arena = arena
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

    public var rows: Int { Int(matrix.rows) }
    /// Whether activations for this matrix are quantized with the +128 offset (Q8_0 weights).
    var wantsUnsignedActivations: Int32 { sl_packed_wants_unsigned(type) }
}

/// One allocation for all of a model's packed weights, handed out front to back. It is aligned to
/// 2 MiB and advised onto transparent huge pages: decode streams every weight once per token, and
/// with 4 KiB pages a 1 GB model costs a quarter of a million TLB misses per token.
public final class PackedArena: @unchecked Sendable {
    // @unchecked: `next` moves only while the model is being built, on one thread.
    private let base: UnsafeMutableRawPointer
    private let capacity: Int
    private var next = 0
    private static let hugePage = 2 << 20

    static func aligned(_ bytes: Int) -> Int { (bytes + 63) & ~63 }

    public init?(byteCount: Int) {
        let size = (byteCount + Self.hugePage - 1) / Self.hugePage * Self.hugePage
        var pointer: UnsafeMutableRawPointer?
        guard posix_memalign(&pointer, Self.hugePage, size) == 0, let pointer else { return nil }
        #if os(Linux)
        _ = madvise(pointer, size, MADV_HUGEPAGE)
        #endif
        base = pointer
        capacity = size
    }

    deinit { free(base) }

    func take(_ bytes: Int) -> UnsafeMutableRawPointer? {
        guard next + bytes <= capacity else { return nil }
        defer { next += bytes }
        return base + next
    }
}
