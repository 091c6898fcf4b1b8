import CKernels
import Foundation
import SluiceModel

/// The physical KV-cache memory: for each layer slot, K `[numBlocks, numKVHeads, headDim, blockSize]` (blocks
/// transposed, so the attention kernel loads 16 positions of one dimension at once) and V
/// `[numBlocks, blockSize, numKVHeads, headDim]`, in f16, bf16 or Q8_0 (int8 values with an f16 scale
/// per 32 head dims of each position: K's scales `[numBlocks, numKVHeads, headDim / 32, blockSize]`,
/// V's `[numBlocks * blockSize, numKVHeads, headDim / 32]`).
///
/// Block ids index this memory; block 0 is the null block and is never handed to a request
/// (ARCHITECTURE.md, decision 3). A block holds ``layerSlots`` layers: every layer of a one-group model,
/// or one KV-cache group's layers, slot i holding the i-th layer of whichever group's table names the
/// block (``KVCacheLayout``, decision 18). Only the model runner touches the bytes.
public final class KVCacheStorage {
    public let numBlocks: Int
    public let blockSize: Int
    /// Layers each block holds.
    public let layerSlots: Int
    public let kvDim: Int
    public let dtype: KVCacheDType
    /// Elements of one layer slot's K (or V) memory.
    let layerElements: Int
    let keys: UnsafeMutableRawPointer
    let values: UnsafeMutableRawPointer
    /// Q8_0 only: one layer's scales take `layerElements / 32`.
    let keyScales: UnsafeMutablePointer<UInt16>?
    let valueScales: UnsafeMutablePointer<UInt16>?

    /// The kernels' element type for `dtype` (`auto` is f16).
    static func elementType(_ dtype: KVCacheDType) -> sl_type {
        switch dtype {
        case .auto, .f16: SL_TYPE_F16
        case .bf16: SL_TYPE_BF16
        case .q8_0: SL_TYPE_Q8_0
        }
    }

    /// Whether the kernels can cache `dtype` for heads of `headDim`.
    public static func supports(_ dtype: KVCacheDType, headDim: Int) -> Bool {
        sl_kv_type_supported(elementType(dtype), Int64(headDim)) != 0
    }

    /// Bytes of KV memory one token slot of a block occupies: K and V for `layerSlots` layers (all
    /// the model's by default).
    public static func bytesPerToken(_ configuration: ModelConfiguration, layerSlots: Int? = nil,
                                     dtype: KVCacheDType = .auto) -> Int {
        let elements = 2 * (layerSlots ?? configuration.numLayers) * configuration.kvDim
        let scales = dtype == .q8_0 ? elements / 32 * MemoryLayout<UInt16>.size : 0
        return elements * sl_kv_element_size(elementType(dtype)) + scales
    }

    public init(configuration: ModelConfiguration, layerSlots: Int? = nil, numBlocks: Int, blockSize: Int,
                dtype: KVCacheDType = .auto) {
        precondition(numBlocks >= 2 && blockSize >= 1, "KV cache needs the null block plus at least one block")
        precondition(Self.supports(dtype, headDim: configuration.headDim), "\(dtype) KV cache for head dim \(configuration.headDim)")
        self.numBlocks = numBlocks
        self.blockSize = blockSize
        self.layerSlots = layerSlots ?? configuration.numLayers
        self.kvDim = configuration.kvDim
        self.dtype = dtype
        layerElements = numBlocks * blockSize * kvDim
        let total = layerElements * self.layerSlots
        let size = sl_kv_element_size(Self.elementType(dtype))
        // calloc: the kernel hands out zero pages as they are first touched, so a large pool costs
        // nothing until used (zeroing 4 GiB up front took seconds at every start).
        keys = calloc(total, size)!
        values = calloc(total, size)!
        if dtype == .q8_0 {
            keyScales = calloc(total / 32, 2)!.bindMemory(to: UInt16.self, capacity: total / 32)
            valueScales = calloc(total / 32, 2)!.bindMemory(to: UInt16.self, capacity: total / 32)
        } else {
            keyScales = nil
            valueScales = nil
        }
    }

    deinit {
        free(keys)
        free(values)
        keyScales.map { free($0) }
        valueScales.map { free($0) }
    }

    /// Token slots in the pool: `numBlocks * blockSize`.
    public var numSlots: Int { numBlocks * blockSize }
    var elementType: sl_type { Self.elementType(dtype) }

    func keys(slot: Int) -> UnsafeMutableRawPointer { keys + slot * layerElements * sl_kv_element_size(elementType) }
    func values(slot: Int) -> UnsafeMutableRawPointer { values + slot * layerElements * sl_kv_element_size(elementType) }
    func keyScales(slot: Int) -> UnsafeMutablePointer<UInt16>? { keyScales.map { $0 + slot * layerElements / 32 } }
    func valueScales(slot: Int) -> UnsafeMutablePointer<UInt16>? { valueScales.map { $0 + slot * layerElements / 32 } }
}
