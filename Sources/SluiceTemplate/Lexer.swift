/// Splits template text into tokens, applying whitespace control the way jinja2 does with the
/// options Hugging Face uses for chat templates: `trim_blocks=True` (a block or comment tag eats
/// the newline right after it) and `lstrip_blocks=True` (spaces and tabs before a block or comment
/// tag at the start of a line are dropped), plus the `-` and `+` markers on individual tags.
///
/// The structure follows jinja2's lexer: a root state that scans text up to the next tag, and a
/// tag state that reads expression tokens until the closing delimiter, tracking bracket balance so
/// that `}}` inside a dict literal does not end a tag.
struct Lexer {
    let source: SourceText
    var scalars: [Unicode.Scalar] { source.scalars }
    var position = 0
    var tokens: [Token] = []
    /// Whether the previous tag ended with a newline (or nothing precedes), which lets
    /// `lstrip_blocks` strip indentation before a tag even though the newline itself is gone.
    var lineStarting = true
    /// The closing brackets owed by the expression being read.
    var brackets: [Unicode.Scalar] = []

    init(source: SourceText) {
        self.source = source
    }

    static func tokenize(_ source: SourceText) throws(JinjaError) -> [Token] {
        var lexer = Lexer(source: source)
        try lexer.run()
        return lexer.tokens
    }

    mutating func run() throws(JinjaError) {
        while position < scalars.count {
            guard let tagStart = nextTagStart(from: position) else {
                emitText(position..<scalars.count)
                position = scalars.count
                break
            }
            let kind = scalars[tagStart + 1]
            let signOffset = tagStart + 2
            let sign: Unicode.Scalar? =
                signOffset < scalars.count && (scalars[signOffset] == "-" || scalars[signOffset] == "+")
                ? scalars[signOffset] : nil
            let rawEnd = kind == "%" ? matchRawBegin(at: tagStart) : nil
            // Variable tags never lstrip, as in jinja2; raw blocks and comments do.
            emitText(position..<tagStart, sign: sign, lstrip: kind != "{")
            let afterOpener = signOffset + (sign == nil ? 0 : 1)
            if let rawEnd {
                try readRawBlock(from: rawEnd, openedAt: tagStart)
            } else if kind == "#" {
                try skipComment(from: afterOpener, openedAt: tagStart)
            } else {
                tokens.append(Token(kind: kind == "{" ? .variableBegin : .blockBegin, offset: tagStart))
                position = afterOpener
                try readTag(isBlock: kind == "%", openedAt: tagStart)
            }
        }
        tokens.append(Token(kind: .end, offset: scalars.count))
    }

    /// The offset of the next `{{`, `{%` or `{#`.
    func nextTagStart(from start: Int) -> Int? {
        var index = start
        while index + 1 < scalars.count {
            if scalars[index] == "{" {
                let next = scalars[index + 1]
                if next == "{" || next == "%" || next == "#" { return index }
            }
            index += 1
        }
        return nil
    }

    /// Appends the text in `range` after whitespace control: a `-` sign strips all trailing
    /// whitespace; otherwise, for block and comment tags, spaces before the tag on its own line go.
    mutating func emitText(_ range: Range<Int>, sign: Unicode.Scalar? = nil, lstrip: Bool = false) {
        var end = range.upperBound
        if sign == "-" {
            while end > range.lowerBound && scalars[end - 1].isPythonWhitespace { end -= 1 }
        } else if sign != "+" && lstrip {
            var lineStart = end
            while lineStart > range.lowerBound && scalars[lineStart - 1] != "\n" { lineStart -= 1 }
            let atLineStart = lineStart > range.lowerBound || lineStarting
            if atLineStart && lineStart < end && scalars[lineStart..<end].allSatisfy(\.isPythonWhitespace) {
                end = lineStart
            }
        }
        if range.lowerBound < end {
            tokens.append(Token(kind: .text(source.text(range.lowerBound..<end)), offset: range.lowerBound))
        }
    }

    /// Whether `literal` appears at `offset`.
    func matches(_ literal: String, at offset: Int) -> Bool {
        var index = offset
        for scalar in literal.unicodeScalars {
            guard index < scalars.count, scalars[index] == scalar else { return false }
            index += 1
        }
        return true
    }

    func skipWhitespace(from offset: Int) -> Int {
        var index = offset
        while index < scalars.count && scalars[index].isPythonWhitespace { index += 1 }
        return index
    }

    /// Matches a closing `%}`, `#}` or `}}` at `offset` with its whitespace control, returning
    /// where the match ends: `+` keeps what follows, `-` eats all following whitespace, and a
    /// plain block or comment end eats one newline (`trim_blocks`).
    func matchTagEnd(_ closer: String, at offset: Int, trimsNewline: Bool) -> Int? {
        let closerLength = closer.unicodeScalars.count
        if trimsNewline && matches("+" + closer, at: offset) { return offset + 1 + closerLength }
        if matches("-" + closer, at: offset) { return skipWhitespace(from: offset + 1 + closerLength) }
        if matches(closer, at: offset) {
            let end = offset + closerLength
            if trimsNewline && end < scalars.count && scalars[end] == "\n" { return end + 1 }
            return end
        }
        return nil
    }

    /// Records whether the match that just ended left us at the start of a line.
    mutating func finishTag(at end: Int) {
        lineStarting = end > 0 && scalars[end - 1] == "\n"
        position = end
    }

    mutating func skipComment(from start: Int, openedAt tagStart: Int) throws(JinjaError) {
        var index = start
        while index < scalars.count {
            if let end = matchTagEnd("#}", at: index, trimsNewline: true) {
                finishTag(at: end)
                return
            }
            index += 1
        }
        throw syntaxError("comment is never closed with '#}'", at: tagStart)
    }

    /// Matches `{% raw %}` (with optional `-`/`+` markers) at `offset`, returning where it ends.
    func matchRawBegin(at offset: Int) -> Int? {
        var index = offset + 2
        if index < scalars.count && (scalars[index] == "-" || scalars[index] == "+") { index += 1 }
        index = skipWhitespace(from: index)
        guard matches("raw", at: index) else { return nil }
        index = skipWhitespace(from: index + 3)
        if matches("-%}", at: index) { return skipWhitespace(from: index + 3) }
        if matches("%}", at: index) { return index + 2 }
        return nil
    }

    /// Emits the literal text of a raw block and skips its `{% endraw %}`.
    mutating func readRawBlock(from start: Int, openedAt tagStart: Int) throws(JinjaError) {
        lineStarting = scalars[start - 1] == "\n"
        var index = start
        while index < scalars.count {
            if scalars[index] == "{" && index + 1 < scalars.count && scalars[index + 1] == "%" {
                var cursor = index + 2
                let sign: Unicode.Scalar? =
                    cursor < scalars.count && (scalars[cursor] == "-" || scalars[cursor] == "+")
                    ? scalars[cursor] : nil
                if sign != nil { cursor += 1 }
                cursor = skipWhitespace(from: cursor)
                if matches("endraw", at: cursor) {
                    cursor = skipWhitespace(from: cursor + 6)
                    if let end = matchTagEnd("%}", at: cursor, trimsNewline: true) {
                        emitText(start..<index, sign: sign, lstrip: true)
                        finishTag(at: end)
                        return
                    }
                }
            }
            index += 1
        }
        throw syntaxError("raw block is never closed with '{% endraw %}'", at: tagStart)
    }

    /// Reads expression tokens up to the tag's closing delimiter.
    mutating func readTag(isBlock: Bool, openedAt tagStart: Int) throws(JinjaError) {
        let closer = isBlock ? "%}" : "}}"
        while true {
            if brackets.isEmpty, let end = matchTagEnd(closer, at: position, trimsNewline: isBlock) {
                tokens.append(Token(kind: isBlock ? .blockEnd : .variableEnd, offset: position))
                finishTag(at: end)
                return
            }
            guard position < scalars.count else {
                if let open = brackets.last {
                    throw syntaxError("unexpected end of template; expected '\(open)'", at: position)
                }
                throw syntaxError("unexpected end of template; expected '\(closer)' to close the tag", at: tagStart)
            }
            if scalars[position].isPythonWhitespace {
                position += 1
                continue
            }
            try readExpressionToken()
        }
    }

    func syntaxError(_ message: String, at offset: Int) -> JinjaError {
        .syntax(message, at: source.location(of: offset))
    }
}
