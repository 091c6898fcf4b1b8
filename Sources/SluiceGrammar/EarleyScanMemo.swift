/// The Earley sets a parser has built by scanning, kept so that the same scan from the same set is a copy
/// instead of a scan and a closure: the mask walk ends the same lexeme from the same set many times over
/// (sibling trie nodes that all end a number, the many tokens that close a string and go on with `,"`), and
/// consecutive masks inside one lexeme start from the same set.
///
/// A set is named by a serial that the parser gives it when it is built. A serial stands for one stack of sets
/// (the set and every set below it): a set is popped before any set below it, and a serial is never given to
/// different contents. So (the serial of the set scanned from, the lexer state the lexeme ended in) names
/// the result exactly, for as long as the parser lives; the result keeps its serial when it is pushed again
/// from here, so the scans from it stay known too. llguidance keeps a row's lexer start state with the row
/// (parser/src/earley/parser.rs, `RowInfo`); this keeps whole rows.
struct EarleyScanMemo {
    /// A scan's result: the new set's serial (0: nothing advanced), its items and its lexer start state.
    struct Entry {
        let serial: Int
        let itemStart: Int
        let itemCount: Int
        let lexerStart: Int32
    }

    private struct Key: Hashable {
        let serial: Int
        let ended: Int32
    }

    private var index: [Key: Int32] = [:]
    private(set) var entries: [Entry] = []
    /// The items of every entry, one run each.
    private(set) var items: [UInt64] = []

    /// Entries and items kept at most (a matcher's memo stays under about a megabyte); past either the memo
    /// starts over (forgetting is always exact: the next scan is done again, under a new serial).
    static let maxEntries = 4096
    static let maxItems = 1 << 17

    var count: Int { entries.count }

    /// The entry for the scan of the lexeme ending in lexer state `ended` from the set numbered `serial`.
    @inline(__always)
    func lookup(serial: Int, ended: Int32) -> Entry? {
        guard let i = index[Key(serial: serial, ended: ended)] else { return nil }
        return entries[Int(i)]
    }

    /// Records that the scan from `serial` at `ended` built nothing.
    mutating func recordFailure(serial: Int, ended: Int32) {
        makeRoom(items: 0)
        index[Key(serial: serial, ended: ended)] = Int32(entries.count)
        entries.append(Entry(serial: 0, itemStart: 0, itemCount: 0, lexerStart: 0))
    }

    /// Records that the scan from `serial` at `ended` built set `result` holding `setItems`.
    mutating func record(serial: Int, ended: Int32, result: Int, setItems: ArraySlice<UInt64>, lexerStart: Int32) {
        guard setItems.count <= Self.maxItems / 8 else { return }
        makeRoom(items: setItems.count)
        index[Key(serial: serial, ended: ended)] = Int32(entries.count)
        entries.append(Entry(serial: result, itemStart: items.count, itemCount: setItems.count, lexerStart: lexerStart))
        items.append(contentsOf: setItems)
    }

    private mutating func makeRoom(items added: Int) {
        if entries.count >= Self.maxEntries || items.count + added > Self.maxItems {
            index.removeAll(keepingCapacity: true)
            entries.removeAll(keepingCapacity: true)
            items.removeAll(keepingCapacity: true)
        }
    }
}
