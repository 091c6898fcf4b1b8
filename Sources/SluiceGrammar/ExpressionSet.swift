/// A regular expression over bytes, hash-consed, with Brzozowski derivatives.
///
/// Following llguidance's `derivre` (MIT; guidance-ai/llguidance, `derivre/src/ast.rs` and `deriv.rs`):
/// every expression is interned once, constructors simplify (so equal languages usually get equal ids),
/// and the lexer's DFA states are sets of derivatives. `And` and `Not` let a lexeme exclude strings (an
/// additional property's key that is none of the declared ones).
public typealias ExpressionID = Int32

/// A set of bytes as a 256-bit mask.
public struct ByteSet: Hashable, Sendable {
    var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    public static func == (a: ByteSet, b: ByteSet) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }
    public func hash(into h: inout Hasher) {
        h.combine(words.0); h.combine(words.1); h.combine(words.2); h.combine(words.3)
    }

    public init() {}
    public init(range: ClosedRange<UInt8>) { for b in range { insert(b) } }
    public init(bytes: [UInt8]) { for b in bytes { insert(b) } }

    public mutating func insert(_ b: UInt8) {
        let bit = UInt64(1) << UInt64(b & 63)
        switch b >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }
    public func contains(_ b: UInt8) -> Bool {
        let bit = UInt64(1) << UInt64(b & 63)
        switch b >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }
    public var isEmpty: Bool { words.0 | words.1 | words.2 | words.3 == 0 }
    public func union(_ o: ByteSet) -> ByteSet {
        var r = ByteSet()
        r.words = (words.0 | o.words.0, words.1 | o.words.1, words.2 | o.words.2, words.3 | o.words.3)
        return r
    }
    public static let all: ByteSet = { var s = ByteSet(); s.words = (~0, ~0, ~0, ~0); return s }()
}

/// One interned node.
enum ExpressionNode: Hashable, Sendable {
    case nothing
    case empty
    case bytes(ByteSet)
    /// Right-nested: the first element is never itself a `concat`.
    case concat(ExpressionID, ExpressionID)
    /// Sorted, flattened, at least two members, at most one `bytes` member.
    case or([ExpressionID])
    case and([ExpressionID])
    case not(ExpressionID)
    /// `max == nil` is unbounded.
    case repeatRange(ExpressionID, min: Int, max: Int?)
}

/// The arena of interned expressions. A value type: a matcher takes its own copy and grows it lazily.
public struct ExpressionSet: Sendable {
    private(set) var nodes: [ExpressionNode] = []
    private(set) var nullable: [Bool] = []
    private var index: [ExpressionNode: ExpressionID] = [:]
    private var derivatives = DerivativeCache()
    let maxNodes: Int

    public static let nothing: ExpressionID = 0
    public static let empty: ExpressionID = 1
    /// Σ*, every byte string.
    public static let anything: ExpressionID = 3

    public init(maxNodes: Int = 1_000_000) {
        self.maxNodes = maxNodes
        _ = intern(.nothing, nullable: false)
        _ = intern(.empty, nullable: true)
        let all = intern(.bytes(.all), nullable: false)
        _ = intern(.repeatRange(all, min: 0, max: nil), nullable: true)
    }

    public var count: Int { nodes.count }

    public func isNullable(_ e: ExpressionID) -> Bool { nullable[Int(e)] }

    private mutating func intern(_ node: ExpressionNode, nullable isNullable: Bool) -> ExpressionID {
        if let id = index[node] { return id }
        let id = ExpressionID(nodes.count)
        nodes.append(node)
        nullable.append(isNullable)
        index[node] = id
        return id
    }

    private func checkCapacity() throws {
        if nodes.count >= maxNodes { throw GrammarError.limitExceeded("more than \(maxNodes) regex nodes") }
    }

    // MARK: constructors

    public mutating func byteSet(_ s: ByteSet) -> ExpressionID {
        s.isEmpty ? Self.nothing : intern(.bytes(s), nullable: false)
    }

    public mutating func byte(_ b: UInt8) -> ExpressionID { byteSet(ByteSet(bytes: [b])) }

    public mutating func literal<S: Sequence>(_ bytes: S) -> ExpressionID where S.Element == UInt8 {
        let parts = bytes.map { byte($0) }
        return sequence(parts)
    }

    public mutating func literal(_ text: String) -> ExpressionID { literal(Array(text.utf8)) }

    public mutating func sequence(_ parts: [ExpressionID]) -> ExpressionID {
        var result = Self.empty
        for p in parts.reversed() { result = concat(p, result) }
        return result
    }

    public mutating func concat(_ a: ExpressionID, _ b: ExpressionID) -> ExpressionID {
        if a == Self.nothing || b == Self.nothing { return Self.nothing }
        if a == Self.empty { return b }
        if b == Self.empty { return a }
        if case let .concat(x, y) = nodes[Int(a)] {
            return concat(x, concat(y, b))
        }
        return intern(.concat(a, b), nullable: nullable[Int(a)] && nullable[Int(b)])
    }

    public mutating func or(_ members: [ExpressionID]) -> ExpressionID {
        var flat: [ExpressionID] = []
        var bytes = ByteSet()
        var stack = members
        while let m = stack.popLast() {
            if m == Self.nothing { continue }
            if m == Self.anything { return Self.anything }
            switch nodes[Int(m)] {
            case let .or(inner): stack.append(contentsOf: inner)
            case let .bytes(s): bytes = bytes.union(s)
            default: flat.append(m)
            }
        }
        if !bytes.isEmpty { flat.append(byteSet(bytes)) }
        flat.sort()
        var unique: [ExpressionID] = []
        unique.reserveCapacity(flat.count)
        for m in flat where unique.last != m { unique.append(m) }
        if unique.isEmpty { return Self.nothing }
        if unique.count == 1 { return unique[0] }
        return intern(.or(unique), nullable: unique.contains { nullable[Int($0)] })
    }

    public mutating func and(_ members: [ExpressionID]) -> ExpressionID {
        var flat: [ExpressionID] = []
        var stack = members
        while let m = stack.popLast() {
            if m == Self.nothing { return Self.nothing }
            if m == Self.anything { continue }
            if case let .and(inner) = nodes[Int(m)] { stack.append(contentsOf: inner) } else { flat.append(m) }
        }
        flat.sort()
        var unique: [ExpressionID] = []
        for m in flat where unique.last != m { unique.append(m) }
        if unique.isEmpty { return Self.anything }
        if unique.contains(Self.empty) {
            return unique.allSatisfy({ nullable[Int($0)] }) ? Self.empty : Self.nothing
        }
        // Byte sets intersect into one, so that a lexeme whose parts want different next bytes dies at once.
        var byteSets: [ByteSet] = []
        unique.removeAll { m in
            if case let .bytes(s) = nodes[Int(m)] { byteSets.append(s); return true }
            return false
        }
        if var common = byteSets.first {
            for s in byteSets.dropFirst() {
                common.words = (common.words.0 & s.words.0, common.words.1 & s.words.1,
                                common.words.2 & s.words.2, common.words.3 & s.words.3)
            }
            if common.isEmpty { return Self.nothing }
            unique.append(byteSet(common))
            unique.sort()
        }
        if unique.count == 1 { return unique[0] }
        return intern(.and(unique), nullable: unique.allSatisfy { nullable[Int($0)] })
    }

    public mutating func not(_ e: ExpressionID) -> ExpressionID {
        if e == Self.nothing { return Self.anything }
        if e == Self.anything { return Self.nothing }
        if case let .not(inner) = nodes[Int(e)] { return inner }
        return intern(.not(e), nullable: !nullable[Int(e)])
    }

    public mutating func repeatRange(_ e: ExpressionID, min: Int, max: Int?) -> ExpressionID {
        if let max, max < min { return Self.nothing }
        if max == 0 { return Self.empty }
        if e == Self.nothing { return min == 0 ? Self.empty : Self.nothing }
        if e == Self.empty { return Self.empty }
        if min == 1 && max == 1 { return e }
        return intern(.repeatRange(e, min: min, max: max), nullable: min == 0 || nullable[Int(e)])
    }

    // MARK: derivatives

    /// The expression matching `{ s : b·s ∈ e }`.
    public mutating func derivative(_ e: ExpressionID, _ b: UInt8) throws -> ExpressionID {
        if e <= Self.empty { return Self.nothing }
        if let d = derivatives.lookup(e, b) { return d }
        try checkCapacity()
        let d: ExpressionID
        switch nodes[Int(e)] {
        case .nothing, .empty:
            d = Self.nothing
        case let .bytes(s):
            d = s.contains(b) ? Self.empty : Self.nothing
        case let .concat(x, y):
            let dx = concat(try derivative(x, b), y)
            d = nullable[Int(x)] ? or([dx, try derivative(y, b)]) : dx
        case let .or(members):
            var ds: [ExpressionID] = []
            ds.reserveCapacity(members.count)
            for m in members { ds.append(try derivative(m, b)) }
            d = or(ds)
        case let .and(members):
            var ds: [ExpressionID] = []
            for m in members {
                let dm = try derivative(m, b)
                if dm == Self.nothing { ds = [Self.nothing]; break }
                ds.append(dm)
            }
            d = and(ds)
        case let .not(x):
            d = not(try derivative(x, b))
        case let .repeatRange(x, min, max):
            let rest = repeatRange(x, min: Swift.max(min - 1, 0), max: max.map { $0 - 1 })
            d = concat(try derivative(x, b), rest)
        }
        derivatives.insert(e, b, d)
        return d
    }

    /// Whether `e` matches `bytes` (for tests and literal checks).
    public mutating func matches(_ e: ExpressionID, _ bytes: [UInt8]) throws -> Bool {
        var current = e
        for b in bytes {
            current = try derivative(current, b)
            if current == Self.nothing { return false }
        }
        return isNullable(current)
    }
}
