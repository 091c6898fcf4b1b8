/// The lexer, compiled lazily into a DFA: a state is the set of (lexeme, derivative) pairs still alive,
/// hash-consed, with transitions filled in on first use (llguidance's `RegexVec` / `StateID` design,
/// parser/src/lexer.rs and derivre/src/regexvec.rs).
///
/// State 0 is dead. A state's accepting lexemes are those whose derivative matches the empty string.
final class Lexer {
    private(set) var expressions: ExpressionSet
    private let lexemeStarts: [ExpressionID]
    private let maxStates: Int

    /// [state * 256 + byte] → next state, -1 while unknown. Manually managed so the mask walk can read it
    /// through a pointer (refreshed after each slow-path transition, which may grow it).
    private(set) var table: UnsafeMutablePointer<Int32>
    private var tableStates = 64
    /// [state] whether some lexeme accepts there.
    private(set) var hasAccepting: UnsafeMutablePointer<Bool>
    /// Each state's (lexeme, expression) pairs, flattened as lexeme << 32 | expression.
    private var members: [[UInt64]] = []
    private(set) var accepting: [[Int32]] = []
    private var stateIndex: [[UInt64]: Int32] = [:]
    private var startIndex: [[Int32]: Int32] = [:]
    /// The byte class of each byte: bytes that every byte set of the grammar holds or lacks alike, so that
    /// every state moves alike on them (llguidance's `AlphabetInfo`, derivre/src/ast.rs). One derivative per
    /// class fills the transitions of all its bytes.
    let byteClass: [Int32]
    /// The bytes of each class.
    private let classBytes: [[UInt8]]

    init(grammar: Grammar) {
        expressions = grammar.expressions
        lexemeStarts = grammar.lexemeStarts
        maxStates = grammar.limits.maxLexerStates
        table = .allocate(capacity: tableStates * 256)
        hasAccepting = .allocate(capacity: tableStates)
        byteClass = Self.byteClasses(grammar.expressions)
        var classBytes = [[UInt8]](repeating: [], count: Int(byteClass.max() ?? 0) + 1)
        for b in 0..<256 { classBytes[Int(byteClass[b])].append(UInt8(b)) }
        self.classBytes = classBytes
        _ = try? state(for: []) // dead state 0
    }

    /// The coarsest partition of the bytes that no byte set of `expressions` splits. Derivatives and the
    /// constructors only ever make unions and intersections of these sets, so it holds for every expression a
    /// lexer ever reaches.
    private static func byteClasses(_ expressions: ExpressionSet) -> [Int32] {
        var classOf = [Int32](repeating: 0, count: 256)
        var count: Int32 = 1
        var seen = Set<ByteSet>()
        var renumber = [Int32](repeating: -1, count: 512)
        for node in expressions.nodes {
            guard case let .bytes(set) = node, seen.insert(set).inserted else { continue }
            for i in 0..<Int(count) * 2 { renumber[i] = -1 }
            var next: Int32 = 0
            for b in 0..<256 {
                let key = Int(classOf[b]) * 2 + (set.contains(UInt8(b)) ? 1 : 0)
                if renumber[key] < 0 {
                    renumber[key] = next
                    next += 1
                }
                classOf[b] = renumber[key]
            }
            count = next
        }
        return classOf
    }

    deinit {
        table.deallocate()
        hasAccepting.deallocate()
    }

    var stateCount: Int { members.count }

    private func state(for pairs: [UInt64]) throws -> Int32 {
        if let s = stateIndex[pairs] { return s }
        if members.count >= maxStates { throw GrammarError.limitExceeded("more than \(maxStates) lexer states") }
        let s = Int32(members.count)
        members.append(pairs)
        accepting.append(pairs.compactMap { p in
            expressions.isNullable(ExpressionID(truncatingIfNeeded: p & 0xFFFF_FFFF)) ? Int32(p >> 32) : nil
        })
        if Int(s) >= tableStates {
            let grown = UnsafeMutablePointer<Int32>.allocate(capacity: tableStates * 2 * 256)
            grown.update(from: table, count: tableStates * 256)
            table.deallocate()
            table = grown
            let flags = UnsafeMutablePointer<Bool>.allocate(capacity: tableStates * 2)
            flags.update(from: hasAccepting, count: tableStates)
            hasAccepting.deallocate()
            hasAccepting = flags
            tableStates *= 2
        }
        (table + Int(s) * 256).initialize(repeating: -1, count: 256)
        hasAccepting[Int(s)] = !accepting[Int(s)].isEmpty
        stateIndex[pairs] = s
        return s
    }

    /// The state that starts any of `lexemes` (sorted lexeme indices).
    func start(_ lexemes: [Int32]) throws -> Int32 {
        if let s = startIndex[lexemes] { return s }
        let pairs = lexemes.compactMap { t -> UInt64? in
            let e = lexemeStarts[Int(t)]
            return e == ExpressionSet.nothing ? nil : UInt64(UInt32(t)) << 32 | UInt64(UInt32(bitPattern: e))
        }
        let s = try state(for: pairs)
        startIndex[lexemes] = s
        return s
    }

    /// The expressions of state `s`'s (lexeme, derivative) pairs: the state lives while any of them does.
    func memberExpressions(_ s: Int32) -> [ExpressionID] {
        members[Int(s)].map { ExpressionID(truncatingIfNeeded: $0 & 0xFFFF_FFFF) }
    }

    /// The interned node of `e`, and its derivative by `byte` (for tests on expressions, as the slice test's).
    func node(_ e: ExpressionID) -> ExpressionNode { expressions.nodes[Int(e)] }
    func derivative(_ e: ExpressionID, _ byte: UInt8) throws -> ExpressionID { try expressions.derivative(e, byte) }

    /// `e{0,}`, interned with the lexer's expressions (for the slice test's rule on bounded repetitions).
    func unboundedRepeat(_ e: ExpressionID) -> ExpressionID { expressions.repeatRange(e, min: 0, max: nil) }

    @inline(__always)
    func next(_ s: Int32, _ byte: UInt8) throws -> Int32 {
        let t = table[Int(s) &* 256 &+ Int(byte)]
        if t >= 0 { return t }
        return try computeTransition(s, byte)
    }

    private func computeTransition(_ s: Int32, _ byte: UInt8) throws -> Int32 {
        var pairs: [UInt64] = []
        for p in members[Int(s)] {
            let e = ExpressionID(truncatingIfNeeded: p & 0xFFFF_FFFF)
            let d = try expressions.derivative(e, byte)
            if d != ExpressionSet.nothing { pairs.append(p & 0xFFFF_FFFF_0000_0000 | UInt64(UInt32(bitPattern: d))) }
        }
        let t = try state(for: pairs)
        let row = table + Int(s) * 256
        for b in classBytes[Int(byteClass[Int(byte)])] { row[Int(b)] = t }
        return t
    }
}
