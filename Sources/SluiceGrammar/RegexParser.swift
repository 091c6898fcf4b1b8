/// A set of Unicode scalar values as sorted, disjoint, non-adjacent ranges.
public struct CodepointSet: Hashable, Sendable {
    public private(set) var ranges: [ClosedRange<UInt32>] = []

    public init() {}
    public init(_ ranges: [ClosedRange<UInt32>]) {
        for r in ranges { insert(r) }
    }

    public static let any = CodepointSet([0...0x10FFFF])

    public mutating func insert(_ r: ClosedRange<UInt32>) {
        var all = ranges + [r]
        all.sort { $0.lowerBound < $1.lowerBound }
        var merged: [ClosedRange<UInt32>] = []
        for x in all {
            if let last = merged.last, x.lowerBound <= last.upperBound &+ 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, x.upperBound)
            } else {
                merged.append(x)
            }
        }
        ranges = merged
    }

    public mutating func formUnion(_ o: CodepointSet) { for r in o.ranges { insert(r) } }

    public func inverted() -> CodepointSet {
        var out = CodepointSet()
        var next: UInt32 = 0
        for r in ranges {
            if r.lowerBound > next { out.ranges.append(next...(r.lowerBound - 1)) }
            next = r.upperBound + 1
        }
        if next <= 0x10FFFF { out.ranges.append(next...0x10FFFF) }
        return out
    }

    public func intersection(_ o: CodepointSet) -> CodepointSet {
        var out = CodepointSet()
        for a in ranges {
            for b in o.ranges {
                let lo = max(a.lowerBound, b.lowerBound), hi = min(a.upperBound, b.upperBound)
                if lo <= hi { out.ranges.append(lo...hi) }
            }
        }
        out.ranges.sort { $0.lowerBound < $1.lowerBound }
        return out
    }

    public func contains(_ c: UInt32) -> Bool { ranges.contains { $0.contains(c) } }
    public var isEmpty: Bool { ranges.isEmpty }
}

/// The syntax tree of a regular expression, over Unicode scalars.
public indirect enum RegexNode: Sendable {
    case empty
    case characters(CodepointSet)
    case sequence([RegexNode])
    case alternation([RegexNode])
    case repetition(RegexNode, min: Int, max: Int?)
    /// `^` and `$`; only meaningful at the ends of a JSON Schema `pattern`.
    case startAnchor
    case endAnchor
}

/// Parses the common regex dialect (ECMAScript / Python / Rust): literals, escapes, classes, groups,
/// alternation, quantifiers. Lookaround, backreferences and word boundaries are refused.
public struct RegexParser {
    private let scalars: [UInt32]
    private var position = 0
    private let maxRepeat: Int

    public static func parse(_ pattern: String, maxRepeat: Int = 10_000) throws -> RegexNode {
        var parser = RegexParser(scalars: pattern.unicodeScalars.map(\.value), maxRepeat: maxRepeat)
        let node = try parser.alternation(depth: 0)
        if parser.position < parser.scalars.count {
            throw GrammarError.invalidRegex("unexpected ')' at \(parser.position) in \(pattern)")
        }
        return node
    }

    private init(scalars: [UInt32], maxRepeat: Int) {
        self.scalars = scalars
        self.maxRepeat = maxRepeat
    }

    private var atEnd: Bool { position >= scalars.count }
    private func peek() -> UInt32? { atEnd ? nil : scalars[position] }
    private func isChar(_ c: Character) -> Bool { peek() == c.unicodeScalars.first!.value }

    private mutating func alternation(depth: Int) throws -> RegexNode {
        guard depth < 200 else { throw GrammarError.invalidRegex("groups nested too deep") }
        var branches = [try sequence(depth: depth)]
        while isChar("|") {
            position += 1
            branches.append(try sequence(depth: depth))
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func sequence(depth: Int) throws -> RegexNode {
        var items: [RegexNode] = []
        while let c = peek(), c != UInt32(ascii: "|"), c != UInt32(ascii: ")") {
            var atom = try self.atom(depth: depth)
            while let q = try quantifier() {
                if case .startAnchor = atom { throw GrammarError.invalidRegex("quantified anchor") }
                atom = .repetition(atom, min: q.0, max: q.1)
            }
            items.append(atom)
        }
        if items.isEmpty { return .empty }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    private mutating func quantifier() throws -> (Int, Int?)? {
        guard let c = peek() else { return nil }
        var result: (Int, Int?)
        switch c {
        case UInt32(ascii: "*"): position += 1; result = (0, nil)
        case UInt32(ascii: "+"): position += 1; result = (1, nil)
        case UInt32(ascii: "?"): position += 1; result = (0, 1)
        case UInt32(ascii: "{"):
            let save = position
            position += 1
            let lo = number()
            var hi: Int?? = .some(lo)
            if isChar(",") {
                position += 1
                let h = number()
                hi = .some(h)
            }
            guard isChar("}"), lo != nil || hi != nil else {
                position = save
                return nil // a literal '{'
            }
            position += 1
            let low = lo ?? 0
            let high: Int? = hi ?? nil
            if let high, high < low { throw GrammarError.invalidRegex("bad repetition {\(low),\(high)}") }
            if low > maxRepeat || (high ?? 0) > maxRepeat {
                throw GrammarError.limitExceeded("repetition count above \(maxRepeat)")
            }
            result = (low, high)
        default: return nil
        }
        if isChar("?") || isChar("+") { position += 1 } // lazy / possessive: same language
        return result
    }

    private mutating func number() -> Int? {
        var value: Int?
        while let c = peek(), c >= 0x30, c <= 0x39 {
            value = min((value ?? 0) * 10 + Int(c - 0x30), 1_000_000_000)
            position += 1
        }
        return value
    }

    private mutating func atom(depth: Int) throws -> RegexNode {
        let c = scalars[position]
        position += 1
        switch c {
        case UInt32(ascii: "("):
            if isChar("?") {
                position += 1
                if isChar(":") {
                    position += 1
                } else if isChar("P") || isChar("<") {
                    if isChar("P") { position += 1 }
                    guard isChar("<") else { throw GrammarError.invalidRegex("unsupported group syntax") }
                    if position + 1 < scalars.count, scalars[position + 1] == UInt32(ascii: "=") || scalars[position + 1] == UInt32(ascii: "!") {
                        throw GrammarError.invalidRegex("lookbehind is not supported")
                    }
                    while let ch = peek(), ch != UInt32(ascii: ">") { position += 1 }
                    guard !atEnd else { throw GrammarError.invalidRegex("unterminated group name") }
                    position += 1
                } else {
                    throw GrammarError.invalidRegex("lookaround and inline flags are not supported")
                }
            }
            let inner = try alternation(depth: depth + 1)
            guard isChar(")") else { throw GrammarError.invalidRegex("missing ')'") }
            position += 1
            return inner
        case UInt32(ascii: "["):
            return .characters(try characterClass())
        case UInt32(ascii: "."):
            return .characters(CodepointSet([0...9, 11...0x10FFFF]))
        case UInt32(ascii: "^"): return .startAnchor
        case UInt32(ascii: "$"): return .endAnchor
        case UInt32(ascii: "\\"):
            return .characters(try escape(inClass: false))
        case UInt32(ascii: "*"), UInt32(ascii: "+"), UInt32(ascii: "?"):
            throw GrammarError.invalidRegex("nothing to repeat")
        default:
            return .characters(CodepointSet([c...c]))
        }
    }

    private static let digits = CodepointSet([0x30...0x39])
    private static let word = CodepointSet([0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A])
    private static let space = CodepointSet([0x09...0x0D, 0x20...0x20])

    private mutating func hex(count: Int) throws -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<count {
            guard let c = peek(), let d = Int(String(UnicodeScalar(c)!), radix: 16) else {
                throw GrammarError.invalidRegex("bad hex escape")
            }
            v = v * 16 + UInt32(d)
            position += 1
        }
        return v
    }

    private mutating func escape(inClass: Bool) throws -> CodepointSet {
        guard let c = peek() else { throw GrammarError.invalidRegex("trailing backslash") }
        position += 1
        func single(_ x: UInt32) -> CodepointSet { CodepointSet([x...x]) }
        switch UnicodeScalar(c).map(Character.init) ?? "\u{FFFD}" {
        case "d": return Self.digits
        case "D": return Self.digits.inverted()
        case "w": return Self.word
        case "W": return Self.word.inverted()
        case "s": return Self.space
        case "S": return Self.space.inverted()
        case "n": return single(0x0A)
        case "t": return single(0x09)
        case "r": return single(0x0D)
        case "f": return single(0x0C)
        case "v": return single(0x0B)
        case "0": return single(0)
        case "x": return single(try hex(count: 2))
        case "u":
            if isChar("{") {
                position += 1
                var v: UInt32 = 0
                while let ch = peek(), ch != UInt32(ascii: "}") {
                    guard let d = Int(String(UnicodeScalar(ch)!), radix: 16) else { throw GrammarError.invalidRegex("bad \\u{}") }
                    v = v * 16 + UInt32(d)
                    position += 1
                }
                position += 1
                return single(v)
            }
            return single(try hex(count: 4))
        case "b" where inClass: return single(0x08)
        case "b", "B", "A", "z", "Z", "G":
            throw GrammarError.invalidRegex("anchor \\\(UnicodeScalar(c)!) is not supported")
        case "p", "P":
            throw GrammarError.invalidRegex("Unicode property classes are not supported")
        default:
            if c >= 0x31 && c <= 0x39 { throw GrammarError.invalidRegex("backreferences are not supported") }
            return single(c) // \. \\ \/ \- \[ and other escaped punctuation
        }
    }

    private mutating func characterClass() throws -> CodepointSet {
        var set = CodepointSet()
        var negated = false
        if isChar("^") { negated = true; position += 1 }
        var first = true
        while true {
            guard let c = peek() else { throw GrammarError.invalidRegex("unterminated character class") }
            if c == UInt32(ascii: "]") && !first { position += 1; break }
            first = false
            position += 1
            var low: CodepointSet
            if c == UInt32(ascii: "\\") {
                low = try escape(inClass: true)
            } else if c == UInt32(ascii: "["), isChar(":") {
                throw GrammarError.invalidRegex("POSIX classes are not supported")
            } else {
                low = CodepointSet([c...c])
            }
            // A range a-b (a '-' before ']' is literal).
            if low.ranges.count == 1, low.ranges[0].count == 1, isChar("-"),
               position + 1 < scalars.count, scalars[position + 1] != UInt32(ascii: "]") {
                position += 1
                let hc = scalars[position]
                position += 1
                var high = hc
                if hc == UInt32(ascii: "\\") {
                    let h = try escape(inClass: true)
                    guard h.ranges.count == 1, h.ranges[0].count == 1 else { throw GrammarError.invalidRegex("bad class range") }
                    high = h.ranges[0].lowerBound
                }
                let lo = low.ranges[0].lowerBound
                guard lo <= high else { throw GrammarError.invalidRegex("class range out of order") }
                low = CodepointSet([lo...high])
            }
            set.formUnion(low)
        }
        return negated ? set.inverted() : set
    }
}

/// Turns regex syntax trees into byte-level expressions.
struct RegexLowering {
    /// How a character set becomes bytes: plain UTF-8, or the JSON-string encoding of those characters.
    enum Encoding { case utf8, jsonString }

    static func lower(_ node: RegexNode, encoding: Encoding, into set: inout ExpressionSet) throws -> ExpressionID {
        switch node {
        case .empty: return ExpressionSet.empty
        case .startAnchor, .endAnchor:
            throw GrammarError.invalidRegex("'^' and '$' are supported only at the ends of the pattern")
        case let .characters(chars):
            return encoding == .utf8 ? utf8(chars, into: &set) : jsonCharacters(chars, into: &set)
        case let .sequence(items):
            var parts: [ExpressionID] = []
            for item in items { parts.append(try lower(item, encoding: encoding, into: &set)) }
            return set.sequence(parts)
        case let .alternation(branches):
            var parts: [ExpressionID] = []
            for b in branches { parts.append(try lower(b, encoding: encoding, into: &set)) }
            return set.or(parts)
        case let .repetition(inner, min, max):
            return set.repeatRange(try lower(inner, encoding: encoding, into: &set), min: min, max: max)
        }
    }

    /// A whole-string regex: `^` and `$` are allowed only at the very start and end and are no-ops.
    static func anchored(_ node: RegexNode, encoding: Encoding, into set: inout ExpressionSet) throws -> ExpressionID {
        try lower(stripAnchors(node, search: false), encoding: encoding, into: &set)
    }

    /// A JSON Schema `pattern` is a search: unanchored ends match anything around.
    static func search(_ node: RegexNode, encoding: Encoding, into set: inout ExpressionSet) throws -> ExpressionID {
        try lower(stripAnchors(node, search: true), encoding: encoding, into: &set)
    }

    private static func stripAnchors(_ node: RegexNode, search: Bool) -> RegexNode {
        let anyText = RegexNode.repetition(.characters(.any), min: 0, max: nil)
        if case let .alternation(branches) = node, search {
            // ^a|b$: each branch anchors on its own.
            return .alternation(branches.map { stripAnchors($0, search: true) })
        }
        var items: [RegexNode]
        if case let .sequence(s) = node { items = s } else { items = [node] }
        var startAnchored = false, endAnchored = false
        if case .startAnchor = items.first { items.removeFirst(); startAnchored = true }
        if case .endAnchor = items.last { items.removeLast(); endAnchored = true }
        if search {
            if !startAnchored { items.insert(anyText, at: 0) }
            if !endAnchored { items.append(anyText) }
        }
        return .sequence(items)
    }

    /// The UTF-8 encodings of the characters in `chars` (surrogates excluded).
    static func utf8(_ chars: CodepointSet, into set: inout ExpressionSet) -> ExpressionID {
        var alternatives: [ExpressionID] = []
        for r in chars.ranges {
            for piece in [(UInt32(0), UInt32(0x7F)), (0x80, 0x7FF), (0x800, 0xD7FF), (0xE000, 0xFFFF), (0x10000, 0x10FFFF)] {
                let lo = max(r.lowerBound, piece.0), hi = min(r.upperBound, piece.1)
                if lo <= hi { appendSameLength(lo, hi, into: &alternatives, set: &set) }
            }
        }
        return set.or(alternatives)
    }

    private static func encode(_ c: UInt32) -> [UInt8] {
        Array(String(UnicodeScalar(c)!).utf8)
    }

    /// Splits [lo, hi] (same UTF-8 length) until each part is a sequence of byte ranges, as Rust's
    /// regex-syntax `Utf8Sequences` does.
    private static func appendSameLength(_ lo: UInt32, _ hi: UInt32, into out: inout [ExpressionID], set: inout ExpressionSet) {
        let n = encode(lo).count
        for i in 1..<max(n, 1) {
            let maxLow: UInt32 = (1 << (6 * UInt32(i))) - 1
            if lo & ~maxLow != hi & ~maxLow {
                if lo & maxLow != 0 {
                    appendSameLength(lo, lo | maxLow, into: &out, set: &set)
                    appendSameLength((lo | maxLow) + 1, hi, into: &out, set: &set)
                    return
                }
                if hi & maxLow != maxLow {
                    appendSameLength(lo, (hi & ~maxLow) - 1, into: &out, set: &set)
                    appendSameLength(hi & ~maxLow, hi, into: &out, set: &set)
                    return
                }
            }
        }
        let a = encode(lo), b = encode(hi)
        var parts: [ExpressionID] = []
        for k in 0..<a.count { parts.append(set.byteSet(ByteSet(range: a[k]...b[k]))) }
        out.append(set.sequence(parts))
    }

    /// Characters as they appear inside a JSON string literal: specials (`"`, `\`, controls) only as
    /// escapes, the rest as themselves.
    static func jsonCharacters(_ chars: CodepointSet, into set: inout ExpressionSet) -> ExpressionID {
        let plain = chars.intersection(CodepointSet([0x20...0x21, 0x23...0x5B, 0x5D...0x10FFFF]))
        var alternatives = [utf8(plain, into: &set)]
        let special = chars.intersection(CodepointSet([0...0x1F, 0x22...0x22, 0x5C...0x5C]))
        for r in special.ranges {
            for c in r {
                alternatives.append(jsonEscape(c, into: &set))
            }
        }
        return set.or(alternatives)
    }

    private static func jsonEscape(_ c: UInt32, into set: inout ExpressionSet) -> ExpressionID {
        let short: [UInt32: String] = [0x22: "\\\"", 0x5C: "\\\\", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x08: "\\b", 0x0C: "\\f"]
        var alts: [ExpressionID] = []
        if let s = short[c] { alts.append(set.literal(s)) }
        if c < 0x20 {
            func hexDigit(_ d: UInt32, _ set: inout ExpressionSet) -> ExpressionID {
                let lower = Array(String(d, radix: 16).utf8)[0]
                let upper = Array(String(d, radix: 16).uppercased().utf8)[0]
                return set.byteSet(ByteSet(bytes: [lower, upper]))
            }
            let prefix = set.literal("\\u00")
            let high = hexDigit(c >> 4, &set), low = hexDigit(c & 15, &set)
            alts.append(set.sequence([prefix, high, low]))
        }
        return set.or(alts)
    }
}

extension UInt32 {
    /// The scalar value of an ASCII character, as `UInt8(ascii:)`.
    fileprivate init(ascii scalar: Unicode.Scalar) { self = scalar.value }
}
