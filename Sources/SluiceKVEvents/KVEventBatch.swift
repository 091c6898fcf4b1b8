import SluiceEngine

/// One step's KV-cache events with their time, and their wire form: vLLM's `KVEventBatch`
/// (vllm/distributed/kv_events.py) as msgspec encodes it, every struct `array_like` and every
/// event tagged with its class name:
///
///     [ts, [event, …], data_parallel_rank]
///     ["BlockStored", block_hashes, parent_block_hash, token_ids, block_size, lora_id, medium, lora_name]
///     ["BlockRemoved", block_hashes, medium]
///     ["AllBlocksCleared"]
///
/// A block hash is a byte string (vLLM's `ExternalBlockHash` is `bytes` since it hashes with
/// SHA-256): Sluice's 128-bit ``BlockHash``, high lane first, big-endian. Decoders written for
/// fewer fields (vLLM before `medium` and `lora_name`) read the same bytes, as msgspec ignores
/// trailing array elements it has no field for.
public struct KVEventBatch: Sendable, Equatable {
    /// Seconds since 1970 when the step's events were taken.
    public var timestamp: Double
    public var events: [KVCacheEvent]

    /// The storage tier vLLM calls `GPU`: the engine's own KV pool, as opposed to an offload tier.
    /// Routers score hits in this tier as ready to use, which is what Sluice's pool is.
    public static let medium = "GPU"

    public init(timestamp: Double, events: [KVCacheEvent]) {
        self.timestamp = timestamp
        self.events = events
    }

    /// The batch as msgpack bytes.
    public func encoded() -> [UInt8] {
        var writer = MessagePackWriter(reservingCapacity: 64 + events.count * 48)
        writer.writeArrayHeader(3)
        writer.write(timestamp)
        writer.writeArrayHeader(events.count)
        for event in events { Self.write(event, to: &writer) }
        // vLLM's publisher fills in its data-parallel rank; one engine is rank 0.
        writer.write(0)
        return writer.bytes
    }

    private static func write(_ event: KVCacheEvent, to writer: inout MessagePackWriter) {
        switch event {
        case .blockStored(let hashes, let parent, let tokenIDs, let blockSize):
            writer.writeArrayHeader(8)
            writer.write("BlockStored")
            writeHashes(hashes, to: &writer)
            if let parent { writeHash(parent, to: &writer) } else { writer.writeNil() }
            writer.writeArrayHeader(tokenIDs.count)
            for token in tokenIDs { writer.write(token) }
            writer.write(blockSize)
            writer.writeNil()  // lora_id: no adapters
            writer.write(medium)
            writer.writeNil()  // lora_name
        case .blockRemoved(let hashes):
            writer.writeArrayHeader(3)
            writer.write("BlockRemoved")
            writeHashes(hashes, to: &writer)
            writer.write(medium)
        case .allBlocksCleared:
            writer.writeArrayHeader(1)
            writer.write("AllBlocksCleared")
        }
    }

    private static func writeHashes(_ hashes: [BlockHash], to writer: inout MessagePackWriter) {
        writer.writeArrayHeader(hashes.count)
        for hash in hashes { writeHash(hash, to: &writer) }
    }

    private static func writeHash(_ hash: BlockHash, to writer: inout MessagePackWriter) {
        writer.write(binary: hash.bytes)
    }
}

extension BlockHash {
    /// The hash's 16 bytes as KV events carry them: the high lane, then the low, big-endian; their
    /// hex is ``description``.
    public var bytes: [UInt8] {
        (0..<16).map { index in
            let lane = index < 8 ? high : low
            return UInt8(truncatingIfNeeded: lane >> UInt64(56 - 8 * (index % 8)))
        }
    }
}
