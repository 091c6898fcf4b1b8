import SluiceModel
import CKernels
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// One or more weight matrices of the same type and width, repacked once at load into the
/// interleaved layout of the batched GEMM (sl_gemm.h), their rows stacked: Q, K and V become
/// one matrix, as do gate and up, so each runs as one GEMM over one quantized input. Every type of the
/// C layouts table is eligible (`sl_packed_supports`): Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, the K-quants,
/// IQ4_NL, IQ4_XS, F16 and BF16.
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
            Self.pack(part, into: matrix, at: next)
            part.releaseResidentPages()
            ranges.append(next..<(next + part.rows))
            next += part.rows
        }
        rowRanges = ranges
    }

    /// Packs `part` into rows `first...` of `matrix`, chunks of 16-row groups in parallel (groups share
    /// no bytes): a 1.5B model has over a billion weights to repack at load.
    private static func pack(_ part: WeightMatrix, into matrix: sl_packed_matrix, at first: Int) {
        let chunkRows = 256
        let rowBytes = sl_row_size(part.type, Int64(part.cols))
        let chunks = (part.rows + chunkRows - 1) / chunkRows
        // @unchecked: each chunk writes only its own groups of the matrix's memory.
        struct Target: @unchecked Sendable { let matrix: sl_packed_matrix }
        let target = Target(matrix: matrix)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            var local = target.matrix
            let begin = chunk * chunkRows
            let rows = min(chunkRows, part.rows - begin)
            sl_pack_rows(&local, Int64(first + begin), part.data + begin * rowBytes, Int64(rows))
        }
    }

    public var rows: Int { Int(matrix.rows) }
    /// How activations for this matrix are quantized: a property of its type.
    var activationFormat: sl_act_format { sl_packed_act_format(type) }
}

/// One projection's matrices (Q/K/V, gate/up, or a single one) in the packed layout. Consecutive parts of
/// one type stack into one `PackedLinear`; a change of type starts the next piece, so a Q4_K_M model whose
/// V is Q6_K runs Q/K as one GEMM and V as another over the same quantized input.
public struct PackedProjection: Sendable {
    public let pieces: [PackedLinear]

    /// `parts` cut into runs of one type.
    static func runs(_ parts: [WeightMatrix]) -> [[WeightMatrix]] {
        var runs: [[WeightMatrix]] = []
        for part in parts {
            if let last = runs.last?.last, last.type == part.type { runs[runs.count - 1].append(part) } else { runs.append([part]) }
        }
        return runs
    }

    /// Bytes the pieces take, or nil when some part has no packed layout.
    public static func byteCount(_ parts: [WeightMatrix]) -> Int? {
        var total = 0
        for run in runs(parts) {
            guard let bytes = PackedLinear.byteCount(run) else { return nil }
            total += bytes
        }
        return total
    }

    /// Packs `parts`, or returns nil when some part cannot be packed (then the whole projection runs
    /// on the one-row path).
    public init?(_ parts: [WeightMatrix], arena: PackedArena) {
        guard Self.byteCount(parts) != nil else { return nil }
        var pieces: [PackedLinear] = []
        for run in Self.runs(parts) {
            guard let piece = PackedLinear(run, arena: arena) else { return nil }
            pieces.append(piece)
        }
        self.pieces = pieces
    }

    /// Input width.
    public var cols: Int { pieces[0].cols }
    /// Output rows, all pieces together.
    public var rows: Int { pieces.reduce(0) { $0 + $1.rows } }
    /// The format the first piece wants its activations in.
    var activationFormat: sl_act_format { pieces[0].activationFormat }
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
