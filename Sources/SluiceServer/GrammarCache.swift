import SluiceEngine
import SluiceGrammar

/// The most recently used compiled grammars, keyed by their canonical constraint (a schema's compact text,
/// keys in order), so that a client repeating a schema compiles it once (vLLM keeps its compiled grammars in
/// an LRU the same way). Evicts the least recently used beyond ``capacity``.
struct GrammarCache: Sendable {
    let capacity: Int
    private var entries: [GrammarSpec: (value: StructuredOutput, lastUse: UInt64)] = [:]
    private var clock: UInt64 = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var count: Int { entries.count }

    /// The cached grammar for `spec`, marked as just used.
    mutating func value(for spec: GrammarSpec) -> StructuredOutput? {
        guard let value = entries[spec]?.value else { return nil }
        clock += 1
        entries[spec]?.lastUse = clock
        return value
    }

    /// Keeps `value` for `spec`, evicting the least recently used entry when full.
    mutating func insert(_ value: StructuredOutput, for spec: GrammarSpec) {
        clock += 1
        if entries[spec] == nil, entries.count >= capacity,
           let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
            entries[oldest] = nil
        }
        entries[spec] = (value, clock)
    }

    func contains(_ spec: GrammarSpec) -> Bool { entries[spec] != nil }
}
