import SluiceModel
import CKernels
import Foundation

/// The CPU backend's preparation of a model: every projection the packed GEMM has a layout for,
/// repacked once into one arena (sl_gemm.h), indexed by `Linear.id`; the rest stay on the one-row path.
/// The choice is made here, once, never per step (ARCHITECTURE.md, decision 12).
///
/// Runners of the same model share one preparation (`shared(for:)`): tests and benchmarks build many
/// runners over one model, and a 1.5B model takes seconds to repack.
public final class PreparedWeights: @unchecked Sendable {
    // @unchecked: written once in init, read-only afterwards.
    /// The packed form of `model.linears[id]`, or nil where it runs on the one-row path.
    public let projections: [PackedProjection?]
    /// Keeps the packed memory alive.
    private let arena: PackedArena?

    /// Whether weights get repacked for the batched GEMM: only where its fast kernels run.
    public static var packsWeights: Bool { sl_packed_best_level() != SL_LEVEL_SCALAR }

    public convenience init(model: any DecoderModel, pack: Bool = PreparedWeights.packsWeights) {
        self.init(linears: model.linears, pack: pack)
    }

    /// Prepares `linears` (any model's projections, indexed by `Linear.id`: a decoder's or an encoder's).
    public init(linears: [Linear], pack: Bool = PreparedWeights.packsWeights) {
        // Every packed matrix lives in one arena, so it can sit on huge pages without rounding each one up.
        let bytes = pack ? linears.reduce(0) { $0 + (PackedProjection.byteCount($1.parts) ?? 0) } : 0
        let arena = bytes > 0 ? PackedArena(byteCount: bytes) : nil
        self.arena = arena
        projections = linears.map { linear in arena.flatMap { PackedProjection(linear.parts, arena: $0) } }
    }

    public func packed(_ linear: Linear) -> PackedProjection? { projections[linear.id] }

    private static let cache = PreparationCache()

    /// The preparation of `model`, made on first use and shared while anyone holds it.
    public static func shared(for model: any DecoderModel, pack: Bool = PreparedWeights.packsWeights) -> PreparedWeights {
        cache.weights(for: model, pack: pack)
    }
}

/// Preparations by model, held weakly: a model's packed weights live as long as a runner uses them.
private final class PreparationCache: @unchecked Sendable {
    // @unchecked: every access holds `lock`.
    private struct Entry {
        weak var model: AnyObject?
        weak var weights: PreparedWeights?
        let pack: Bool
    }
    private let lock = NSLock()
    private var entries: [Entry] = []

    func weights(for model: any DecoderModel, pack: Bool) -> PreparedWeights {
        lock.lock()
        defer { lock.unlock() }
        entries.removeAll { $0.model == nil || $0.weights == nil }
        if let entry = entries.first(where: { $0.model === model && $0.pack == pack }), let weights = entry.weights {
            return weights
        }
        let weights = PreparedWeights(model: model, pack: pack)
        entries.append(Entry(model: model, weights: weights, pack: pack))
        return weights
    }
}
