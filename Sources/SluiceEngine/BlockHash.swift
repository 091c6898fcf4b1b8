/// The chained content hash of one full KV-cache block, the key of the prefix cache.
///
/// As in vLLM v1's `hash_block_tokens` (vllm/v1/core/kv_cache_utils.py), a block's hash covers
/// its parent's hash, its own token ids and the request's extra keys, so equal hashes mean equal
/// prefixes and no block ever needs to store or compare its tokens.
///
/// Why 128 bits and no stored tokens: the cache trusts a hash match, so a collision would
/// silently hand one request another's KV. Two independent 64-bit lanes give 128 bits; with
/// even 2^32 blocks ever cached, an accidental collision has probability about 2^-65. The
/// function is not cryptographic, so prompts crafted to collide are conceivable; per-tenant
/// ``BlockHashExtraKeys/cacheSalt`` keeps tenants apart, and a cryptographic hash could
/// replace ``init(parent:tokenIDs:extraKeys:)`` without touching any caller.
public struct BlockHash: Hashable, Sendable, CustomStringConvertible {
    /// The first 64-bit lane.
    public let high: UInt64
    /// The second 64-bit lane.
    public let low: UInt64

    /// A hash from its two lanes, as KV-event subscribers and tests read one back.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Hashes one full block chained onto its parent (`nil` for the first block of a prompt).
    public init(parent: BlockHash?, tokenIDs: ArraySlice<Int>, extraKeys: BlockHashExtraKeys) {
        var state = Lanes()
        // The root seed differs from any real parent only by chance of 2^-128.
        state.absorb(parent?.high ?? 0x5EED_0F5E_B10C_4A54)
        state.absorb(parent?.low ?? 0x0F0F_1E57_C0DE_D00D)
        state.absorb(UInt64(tokenIDs.count))
        for token in tokenIDs { state.absorb(UInt64(bitPattern: Int64(token))) }
        // Lengths before each field keep (tokens, keys) splits from colliding with each other.
        state.absorb(UInt64(extraKeys.keys.count))
        for key in extraKeys.keys { state.absorb(UInt64(bitPattern: Int64(key))) }
        if let salt = extraKeys.cacheSalt {
            let bytes = Array(salt.utf8)
            state.absorb(UInt64(bytes.count) | 1 << 63)
            for byte in bytes { state.absorb(UInt64(byte)) }
        }
        high = Lanes.finalize(state.a ^ 0x9E37_79B9_7F4A_7C15)
        low = Lanes.finalize(state.b ^ 0xC2B2_AE3D_27D4_EB4F)
    }

    /// The key under which KV-cache group `group` caches this block (``KVCacheLayout``): the hash
    /// itself for group 0, so a one-group model's keys and KV events are the plain chained hashes,
    /// and a distinct key for every other group, whose block holds other layers' K and V for the
    /// same tokens (vLLM's `BlockHashWithGroupId`).
    public func forGroup(_ group: Int) -> BlockHash {
        guard group != 0 else { return self }
        let word = UInt64(group) &* 0xD6E8_FEB8_6659_FD93
        return BlockHash(high: Lanes.finalize(high ^ word), low: Lanes.finalize(low &+ word ^ 0x5851_F42D_4C95_7F2D))
    }

    /// The hash as 32 hex digits.
    public var description: String {
        let hex = String(high, radix: 16)
        let lowHex = String(low, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
            + String(repeating: "0", count: 16 - lowHex.count) + lowHex
    }

    /// Two 64-bit lanes that absorb words through different bijective mixers, so that a collision
    /// needs both lanes to collide at once.
    private struct Lanes {
        var a: UInt64 = 0x243F_6A88_85A3_08D3
        var b: UInt64 = 0x1319_8A2E_0370_7344

        mutating func absorb(_ word: UInt64) {
            a = Lanes.finalize(a ^ word)
            b = Lanes.finalize((b &+ word &* 0xFF51_AFD7_ED55_8CCD) ^ 0xA409_3822_299F_31D0)
        }

        /// SplitMix64's finalizer: a bijection on 64 bits with full avalanche.
        static func finalize(_ value: UInt64) -> UInt64 {
            var z = value
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
