/// The derivatives an ``ExpressionSet`` has taken, keyed by (expression, byte): an open-addressing table with
/// linear probing and a multiplicative hash. A cold lexer state takes thousands of derivatives, each a
/// lookup here first; through `Dictionary` (SipHash) the lookups were a fifth of the time of the masks
/// that make new lexer states.
struct DerivativeCache: Sendable {
    /// (expression << 8 | byte) per slot; `empty` where the slot is free.
    private var keys: [UInt64]
    private var values: [ExpressionID]
    private var shift: UInt64
    private(set) var count = 0
    private static let empty = UInt64.max

    init() {
        keys = [UInt64](repeating: Self.empty, count: 1024)
        values = [ExpressionID](repeating: 0, count: 1024)
        shift = 64 - 10
    }

    @inline(__always)
    private static func key(_ e: ExpressionID, _ b: UInt8) -> UInt64 { UInt64(UInt32(bitPattern: e)) << 8 | UInt64(b) }

    @inline(__always)
    private func slot(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    /// The derivative of `e` by `b`, if taken before.
    @inline(__always)
    func lookup(_ e: ExpressionID, _ b: UInt8) -> ExpressionID? {
        let key = Self.key(e, b)
        let mask = keys.count - 1
        var i = slot(key)
        while true {
            let k = keys[i]
            if k == key { return values[i] }
            if k == Self.empty { return nil }
            i = (i + 1) & mask
        }
    }

    /// Records the derivative of `e` by `b` (not already recorded).
    mutating func insert(_ e: ExpressionID, _ b: UInt8, _ d: ExpressionID) {
        if (count + 1) * 2 > keys.count { grow() }
        place(Self.key(e, b), d)
        count += 1
    }

    private mutating func place(_ key: UInt64, _ value: ExpressionID) {
        let mask = keys.count - 1
        var i = slot(key)
        while keys[i] != Self.empty { i = (i + 1) & mask }
        keys[i] = key
        values[i] = value
    }

    private mutating func grow() {
        let (oldKeys, oldValues) = (keys, values)
        keys = [UInt64](repeating: Self.empty, count: oldKeys.count * 2)
        values = [ExpressionID](repeating: 0, count: oldKeys.count * 2)
        shift -= 1
        for i in oldKeys.indices where oldKeys[i] != Self.empty { place(oldKeys[i], oldValues[i]) }
    }
}
