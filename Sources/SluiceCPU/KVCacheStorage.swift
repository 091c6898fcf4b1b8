import SluiceModel
import Foundation

/// The physical KV-cache memory: for each layer, K as f16 `[numBlocks, numKVHeads, headDim, blockSize]` (blocks
/// transposed, so the attention kernel loads 16 positions of one dimension at once) and V as f16
/// `[numBlocks, blockSize, numKVHeads, headDim]`.
///
/// Block ids index this memory; block 0 is the null block and is never handed to a request
/// (ARCHITECTURE.md, decision 3). Only the model runner touches the bytes.
public final class KVCacheStorage {
    public let numBlocks: Int
    public let blockSize: Int
    public let numLayers: Int
    public let kvDim: Int
    /// Elements (f16) of one layer's K (or V) memory.
    let layerElements: Int
    let keys: UnsafeMutablePointer<UInt16>
    let values: UnsafeMutablePointer<UInt16>

    /// Bytes of KV memory one token occupies across all layers.
    public static func bytesPerToken(_ configuration: ModelConfiguration) -> Int {
        2 * configuration.numLayers * configuration.kvDim * MemoryLayout<UInt16>.size
    }

    public init(configuration: ModelConfiguration, numBlocks: Int, blockSize: Int) {
        precondition(numBlocks >= 2 && blockSize >= 1, "KV cache needs the null block plus at least one block")
        self.numBlocks = numBlocks
        self.blockSize = blockSize
        self.numLayers = configuration.numLayers
        self.kvDim = configuration.kvDim
        layerElements = numBlocks * blockSize * kvDim
        let total = layerElements * numLayers
        // calloc: the kernel hands out zero pages as they are first touched, so a large pool costs
        // nothing until used (zeroing 4 GiB up front took seconds at every start).
        keys = calloc(total, MemoryLayout<UInt16>.stride)!.bindMemory(to: UInt16.self, capacity: total)
        values = calloc(total, MemoryLayout<UInt16>.stride)!.bindMemory(to: UInt16.self, capacity: total)
    }

    deinit {
        free(keys)
        free(values)
    }

    /// Token slots in the pool: `numBlocks * blockSize`.
    public var numSlots: Int { numBlocks * blockSize }

    func keys(layer: Int) -> UnsafeMutablePointer<UInt16> { keys + layer * layerElements }
    func values(layer: Int) -> UnsafeMutablePointer<UInt16> { values + layer * layerElements }
}
