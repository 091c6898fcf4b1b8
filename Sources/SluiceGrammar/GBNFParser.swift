/// Reads a GBNF grammar (llama.cpp's format, `grammars/README.md`) into rules of ``GBNFExpression``s.
///
/// As llama.cpp's `grammar-parser`: rules are `name ::= alternatives`, one per line (a newline after `|`, or
/// inside parentheses, continues the rule); `#` starts a comment; names are letters, digits, `-` and `_`;
/// literals and classes take the escapes `\xXX`, `\uXXXX`, `\UXXXXXXXX`, `\t`, `\r`, `\n`, `\\`, `\"`, `\[`,
/// `\]`; `.` is any code point. llama.cpp's token references (`<[id]>`, `<think>`, `!<…>`) are refused, since
/// a grammar here knows text, not a tokenizer. Every error names the problem and its line and column.
public struct GBNFParser {
    /// Nesting of parentheses beyond which a grammar is refused (the parser recurses once per level).
    public static let maxNesting = 100

    private let scalars: [UInt32]
    private var position = 0
    /// The rules in the order they were defined.
    private var rules: [(name: String, body: GBNFExpression)] = []
    /// Where each rule is defined, and every reference to a rule, as offsets: checked once all are read.
    private var definitions: [String: Int] = [:]
    private var references: [(name: String, offset: Int)] = []
    private let maxRepeat: Int

    /// The rules of `text`, in order; throws `GrammarError.invalidGrammar` with the first problem and where it
    /// is: a syntax error, a rule defined twice, a reference to a rule never defined, or no `root` rule.
    public static func parse(_ text: String, maxRepeat: Int = 10_000) throws -> [(name: String, body: GBNFExpression)] {
        var parser = GBNFParser(scalars: text.unicodeScalars.map(\.value), maxRepeat: maxRepeat)
        try parser.parseRules()
        guard !parser.rules.isEmpty else { throw GrammarError.invalidGrammar("the grammar has no rules; it needs at least `root ::= ...`") }
        for (name, offset) in parser.references where parser.definitions[name] == nil {
            throw GrammarError.invalidGrammar("\(parser.position(of: offset)): rule `\(name)` is used but never defined")
        }
        guard parser.definitions["root"] != nil else {
            throw GrammarError.invalidGrammar("the grammar has no `root` rule, where the output starts")
        }
        return parser.rules
    }

    private init(scalars: [UInt32], maxRepeat: Int) {
        self.scalars = scalars
        self.maxRepeat = maxRepeat
    }

    // MARK: - Rules

    private mutating func parseRules() throws {
        skipSpace(newlines: true)
        while !atEnd {
            let start = position
            let name = try ruleName()
            skipSpace(newlines: false)
            guard consume("::=") else { throw error("expected `::=` after the rule name `\(name)`") }
            skipSpace(newlines: true)
            let body = try alternatives(nested: false, depth: 0)
            guard atEnd || peek == 0x0A || peek == 0x0D else {
                throw error("expected the end of the line after rule `\(name)`, found `\(character(peek!))`")
            }
            if let first = definitions[name] {
                throw GrammarError.invalidGrammar("\(position(of: start)): rule `\(name)` is defined twice (first at \(position(of: first)))")
            }
            definitions[name] = start
            rules.append((name, body))
            skipSpace(newlines: true)
        }
    }

    private mutating func ruleName() throws -> String {
        let start = position
        while let c = peek, Self.isWordCharacter(c) { position += 1 }
        guard position > start else {
            throw error(atEnd ? "expected a rule name" : "expected a rule name, found `\(character(peek!))`")
        }
        return String(String.UnicodeScalarView(scalars[start..<position].compactMap(Unicode.Scalar.init)))
    }

    // MARK: - Expressions

    private mutating func alternatives(nested: Bool, depth: Int) throws -> GBNFExpression {
        var options = [try sequence(nested: nested, depth: depth)]
        while peek == 0x7C {  // |
            position += 1
            skipSpace(newlines: true)
            options.append(try sequence(nested: nested, depth: depth))
        }
        return options.count == 1 ? options[0] : .alternation(options)
    }

    private mutating func sequence(nested: Bool, depth: Int) throws -> GBNFExpression {
        var items: [GBNFExpression] = []
        while let c = peek {
            let start = position
            switch c {
            case 0x22:  // "
                position += 1
                var text: [UInt32] = []
                while peek != 0x22 {
                    guard !atEnd else { throw error("the string literal is not closed", at: start) }
                    text.append(try literalCharacter())
                }
                position += 1
                items.append(.literal(text))
            case 0x5B:  // [
                items.append(.characters(try characterClass(start)))
            case 0x28:  // (
                guard depth < Self.maxNesting else { throw error("parentheses nested more than \(Self.maxNesting) deep") }
                position += 1
                skipSpace(newlines: true)
                let inner = try alternatives(nested: true, depth: depth + 1)
                guard peek == 0x29 else {
                    throw error("`(` is not closed" + (atEnd ? "" : "; found `\(character(peek!))`"), at: start)
                }
                position += 1
                items.append(inner)
            case 0x2E:  // .
                position += 1
                items.append(.characters(.any))
            case 0x2A, 0x2B, 0x3F, 0x7B:  // * + ? {
                guard let last = items.popLast() else { throw error("`\(character(c))` must follow something to repeat") }
                let (min, max) = try repetition()
                items.append(.repetition(last, min: min, max: max))
            case 0x3C, 0x21:  // < !
                throw error("token references (`<…>`, `!<…>`) are not supported: write the text as a string literal")
            case 0x29, 0x7C, 0x0A, 0x0D:  // ) | newline
                return items.count == 1 ? items[0] : .sequence(items)
            default:
                guard Self.isWordCharacter(c) else { throw error("unexpected `\(character(c))`") }
                let name = try ruleName()
                references.append((name, start))
                items.append(.rule(name))
            }
            skipSpace(newlines: nested)
        }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    /// `*`, `+`, `?` or `{m}`, `{m,}`, `{m,n}` at the cursor.
    private mutating func repetition() throws -> (Int, Int?) {
        let c = scalars[position]
        position += 1
        switch c {
        case 0x2A: return (0, nil)
        case 0x2B: return (1, nil)
        case 0x3F: return (0, 1)
        default: break
        }
        skipSpace(newlines: false)
        guard let min = try number() else { throw error("expected a number after `{`") }
        skipSpace(newlines: false)
        var max: Int? = min
        if peek == 0x2C {  // ,
            position += 1
            skipSpace(newlines: false)
            max = try number()
            skipSpace(newlines: false)
        }
        guard peek == 0x7D else { throw error("expected `}` to close the repetition") }
        position += 1
        if let max, max < min { throw error("the repetition {\(min),\(max)} has its maximum below its minimum") }
        return (min, max)
    }

    private mutating func number() throws -> Int? {
        let start = position
        var value = 0
        while let c = peek, (0x30...0x39).contains(c) {
            value = value * 10 + Int(c - 0x30)
            position += 1
            if value > maxRepeat {
                position = start
                throw error("a repetition count above \(maxRepeat)")
            }
        }
        return position > start ? value : nil
    }

    /// `[...]` at the cursor: code points and ranges, `^` first to negate.
    private mutating func characterClass(_ start: Int) throws -> CodepointSet {
        position += 1
        let negated = peek == 0x5E
        if negated { position += 1 }
        var set = CodepointSet()
        while peek != 0x5D {
            guard !atEnd else { throw error("the character class is not closed", at: start) }
            let rangeStart = position
            let low = try literalCharacter()
            var high = low
            if peek == 0x2D, position + 1 < scalars.count, scalars[position + 1] != 0x5D {  // a-b
                position += 1
                high = try literalCharacter()
                guard high >= low else { throw error("the range ends below where it starts", at: rangeStart) }
            }
            set.insert(low...high)
        }
        position += 1
        return negated ? set.inverted() : set
    }

    /// One code point of a literal or class, escapes read.
    private mutating func literalCharacter() throws -> UInt32 {
        let c = scalars[position]
        position += 1
        guard c == 0x5C else { return c }  // backslash
        guard let e = peek else { throw error("the grammar ends inside an escape") }
        position += 1
        switch e {
        case 0x78: return try hex(count: 2)  // x
        case 0x75: return try hex(count: 4)  // u
        case 0x55: return try hex(count: 8)  // U
        case 0x74: return 0x09
        case 0x72: return 0x0D
        case 0x6E: return 0x0A
        case 0x5C, 0x22, 0x5B, 0x5D: return e
        default:
            position -= 2
            throw error("unknown escape `\\\(character(e))`")
        }
    }

    private mutating func hex(count: Int) throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<count {
            guard let c = peek, let digit = Self.hexValue(c) else { throw error("expected \(count) hexadecimal digits") }
            value = value * 16 + digit
            position += 1
        }
        guard value <= 0x10FFFF, !(0xD800...0xDFFF).contains(value) else {
            throw error("U+\(String(value, radix: 16, uppercase: true)) is not a Unicode scalar value")
        }
        return value
    }

    // MARK: - Characters

    private var atEnd: Bool { position >= scalars.count }
    private var peek: UInt32? { atEnd ? nil : scalars[position] }

    private mutating func consume(_ text: String) -> Bool {
        let expected = text.unicodeScalars.map(\.value)
        guard scalars[position...].starts(with: expected) else { return false }
        position += expected.count
        return true
    }

    /// Spaces, tabs and comments; newlines too when `newlines`.
    private mutating func skipSpace(newlines: Bool) {
        while let c = peek {
            if c == 0x20 || c == 0x09 || (newlines && (c == 0x0A || c == 0x0D)) {
                position += 1
            } else if c == 0x23 {  // #
                while let d = peek, d != 0x0A, d != 0x0D { position += 1 }
            } else {
                return
            }
        }
    }

    /// The line and column of an offset; counted only for an error, so reading stays linear.
    private func position(of offset: Int) -> GBNFPosition {
        var line = 1
        var column = 1
        for c in scalars[..<min(offset, scalars.count)] {
            if c == 0x0A { line += 1; column = 1 } else { column += 1 }
        }
        return GBNFPosition(line: line, column: column)
    }

    /// The problem `message` at `offset` (the cursor when nil).
    private func error(_ message: String, at offset: Int? = nil) -> GrammarError {
        .invalidGrammar("\(position(of: offset ?? position)): \(message)")
    }

    private func character(_ c: UInt32) -> String {
        Unicode.Scalar(c).map { $0.properties.generalCategory == .control ? "\\u{\(String(c, radix: 16))}" : String($0) } ?? "?"
    }

    private static func isWordCharacter(_ c: UInt32) -> Bool {
        (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c) || c == 0x2D || c == 0x5F
    }

    private static func hexValue(_ c: UInt32) -> UInt32? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }
}
