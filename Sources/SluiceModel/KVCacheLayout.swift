/// How a model's layers share the KV cache: layers grouped by the span of positions they attend to,
/// each group with a block table of its own per sequence, every block holding the same number of
/// layers (ARCHITECTURE.md, decision 18).
///
/// As vLLM's hybrid KV-cache groups (`vllm/v1/core/kv_cache_utils.py`, uniform page size, and
/// `single_type_kv_cache_manager.py`): a sliding-window layer needs only the blocks inside its window,
/// so its blocks are released as the sequence moves on, while full-attention layers keep all of them.
/// Giving each kind of layer its own tables lets a block be freed for the sliding layers alone. Groups
/// hold equally many layers (the smallest kind's count), so one block id addresses the same amount of
/// memory in every group and all groups draw on one pool: Gemma 3's 15 sliding and 3 global layers make
/// six groups of three, and a block holds three layers' K and V. A model whose layers all attend alike
/// (Llama, Qwen, Mistral with its window on every layer) has one group, as before.
public struct KVCacheLayout: Sendable, Equatable {
    /// One group of layers with a block table of its own.
    public struct Group: Sendable, Equatable {
        /// The layers, ascending; the i-th uses layer slot i of each block.
        public let layers: [Int]
        /// The sliding window of every layer in the group; nil for full attention.
        public let window: Int?
    }

    /// The groups: full attention first, then windows from the smallest.
    public let groups: [Group]
    /// Layers whose K and V each block holds: the largest group's size.
    public let layerSlots: Int
    /// Each layer's group.
    private let groupOfLayer: [Int]
    /// Each layer's slot inside a block.
    private let slotOfLayer: [Int]

    /// The layout of layers with these windows (nil: full attention), one entry per layer.
    public init(windows: [Int?]) {
        precondition(!windows.isEmpty, "a model has at least one layer")
        var kinds: [Int?: [Int]] = [:]
        for (layer, window) in windows.enumerated() { kinds[window, default: []].append(layer) }
        let order: [Int?] = (kinds[nil] == nil ? [] : [nil]) + kinds.keys.compactMap { $0 }.sorted()
        let size = kinds.values.map(\.count).min()!
        var groups: [Group] = []
        for window in order {
            let layers = kinds[window]!
            for start in stride(from: 0, to: layers.count, by: size) {
                groups.append(Group(layers: Array(layers[start..<min(start + size, layers.count)]), window: window))
            }
        }
        var groupOfLayer = [Int](repeating: 0, count: windows.count)
        var slotOfLayer = [Int](repeating: 0, count: windows.count)
        for (index, group) in groups.enumerated() {
            for (slot, layer) in group.layers.enumerated() {
                groupOfLayer[layer] = index
                slotOfLayer[layer] = slot
            }
        }
        self.groups = groups
        self.layerSlots = size
        self.groupOfLayer = groupOfLayer
        self.slotOfLayer = slotOfLayer
    }

    /// One group of `numLayers` full-attention layers.
    public static func fullAttention(numLayers: Int) -> KVCacheLayout {
        KVCacheLayout(windows: [Int?](repeating: nil, count: numLayers))
    }

    /// The number of layers.
    public var numLayers: Int { groupOfLayer.count }

    /// The group whose block tables `layer` reads and writes.
    public func group(ofLayer layer: Int) -> Int { groupOfLayer[layer] }

    /// Where in each block `layer`'s K and V live.
    public func slot(ofLayer layer: Int) -> Int { slotOfLayer[layer] }

    /// Each group's window, in group order: what the KV cache manager needs to know.
    public var groupWindows: [Int?] { groups.map(\.window) }
}

extension DecoderModel {
    /// The model's KV-cache groups, from its layers' attention windows.
    public var kvCacheLayout: KVCacheLayout { KVCacheLayout(windows: attentionSpecs.map(\.window)) }
}
