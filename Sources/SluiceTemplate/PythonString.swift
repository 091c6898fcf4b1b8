/// Python's `str` methods, working on Unicode scalars as Python does (positions, lengths and
/// whitespace follow Python, not Swift's grapheme clusters).
enum PythonString {
    typealias Scalars = [Unicode.Scalar]

    static func string(_ scalars: some Sequence<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    /// `strip`, `lstrip` and `rstrip`: whitespace, or any of `characters` when given.
    static func strip(_ text: String, characters: String?, leading: Bool = true, trailing: Bool = true) -> String {
        let scalars = Scalars(text.unicodeScalars)
        let strippable: (Unicode.Scalar) -> Bool
        if let characters {
            let set = Set(characters.unicodeScalars)
            strippable = { set.contains($0) }
        } else {
            strippable = \.isPythonWhitespace
        }
        var start = 0
        var end = scalars.count
        if leading { while start < end && strippable(scalars[start]) { start += 1 } }
        if trailing { while end > start && strippable(scalars[end - 1]) { end -= 1 } }
        return string(scalars[start..<end])
    }

    /// `split(separator, maxsplit)`; a nil separator splits on runs of whitespace and drops
    /// empty strings at the ends.
    static func split(_ text: String, separator: String?, maxSplits: Int, fromEnd: Bool = false) throws(JinjaError) -> [String] {
        let scalars = Scalars(text.unicodeScalars)
        let limit = maxSplits < 0 ? Int.max : maxSplits
        guard let separator else { return splitOnWhitespace(scalars, limit: limit, fromEnd: fromEnd) }
        let needle = Scalars(separator.unicodeScalars)
        guard !needle.isEmpty else { throw .runtime("empty separator") }
        var pieces: [String] = []
        if fromEnd {
            var end = scalars.count
            var cursor = scalars.count - needle.count
            while cursor >= 0 && pieces.count < limit {
                if scalars[cursor..<cursor + needle.count].elementsEqual(needle) {
                    pieces.append(string(scalars[(cursor + needle.count)..<end]))
                    end = cursor
                    cursor -= needle.count
                } else {
                    cursor -= 1
                }
            }
            pieces.append(string(scalars[0..<end]))
            return pieces.reversed()
        }
        var start = 0
        var cursor = 0
        while cursor + needle.count <= scalars.count && pieces.count < limit {
            if scalars[cursor..<cursor + needle.count].elementsEqual(needle) {
                pieces.append(string(scalars[start..<cursor]))
                cursor += needle.count
                start = cursor
            } else {
                cursor += 1
            }
        }
        pieces.append(string(scalars[start...]))
        return pieces
    }

    private static func splitOnWhitespace(_ scalars: Scalars, limit: Int, fromEnd: Bool) -> [String] {
        var pieces: [String] = []
        if fromEnd {
            var end = scalars.count
            while true {
                while end > 0 && scalars[end - 1].isPythonWhitespace { end -= 1 }
                guard end > 0 else { break }
                if pieces.count == limit {
                    pieces.append(string(scalars[0..<end]))
                    break
                }
                var start = end
                while start > 0 && !scalars[start - 1].isPythonWhitespace { start -= 1 }
                pieces.append(string(scalars[start..<end]))
                end = start
            }
            return pieces.reversed()
        }
        var start = 0
        while true {
            while start < scalars.count && scalars[start].isPythonWhitespace { start += 1 }
            guard start < scalars.count else { break }
            if pieces.count == limit {
                pieces.append(string(scalars[start...]))
                break
            }
            var end = start
            while end < scalars.count && !scalars[end].isPythonWhitespace { end += 1 }
            pieces.append(string(scalars[start..<end]))
            start = end
        }
        return pieces
    }

    /// `splitlines(keepends)`, breaking at every line boundary Python recognises.
    static func splitLines(_ text: String, keepEnds: Bool = false) -> [String] {
        let scalars = Scalars(text.unicodeScalars)
        var lines: [String] = []
        var start = 0
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            let isBreak: Bool
            switch scalar.value {
            case 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029: isBreak = true
            default: isBreak = false
            }
            guard isBreak else {
                index += 1
                continue
            }
            var end = index + 1
            if scalar == "\r" && end < scalars.count && scalars[end] == "\n" { end += 1 }
            lines.append(string(scalars[start..<(keepEnds ? end : index)]))
            start = end
            index = end
        }
        if start < scalars.count { lines.append(string(scalars[start...])) }
        return lines
    }

    /// The scalar range `text[start:end]` selects, for methods taking optional bounds.
    static func bounds(count: Int, start: Int?, end: Int?) -> Range<Int> {
        let indices = Renderer.sliceIndices(count: count, start: start, stop: end, step: 1)
        guard let first = indices.first else {
            let clamped = min(max(start.map { $0 < 0 ? $0 + count : $0 } ?? 0, 0), count)
            return clamped..<clamped
        }
        return first..<(indices.last! + 1)
    }

    /// `find` (or `rfind` when `fromEnd`): the scalar offset of `needle`, or -1.
    static func find(_ text: String, _ needle: String, start: Int? = nil, end: Int? = nil, fromEnd: Bool = false) -> Int {
        let scalars = Scalars(text.unicodeScalars)
        let pattern = Scalars(needle.unicodeScalars)
        let range = bounds(count: scalars.count, start: start, end: end)
        if let start, (start < 0 ? start + scalars.count : start) > scalars.count { return -1 }
        guard range.count >= pattern.count else { return -1 }
        let candidates = range.lowerBound...(range.upperBound - pattern.count)
        let matches = { (offset: Int) in scalars[offset..<offset + pattern.count].elementsEqual(pattern) }
        if fromEnd { return candidates.reversed().first(where: matches) ?? -1 }
        return candidates.first(where: matches) ?? -1
    }

    /// `count`: non-overlapping occurrences; an empty needle matches between every scalar.
    static func count(_ text: String, _ needle: String, start: Int? = nil, end: Int? = nil) -> Int {
        let scalars = Scalars(text.unicodeScalars)
        let pattern = Scalars(needle.unicodeScalars)
        let range = bounds(count: scalars.count, start: start, end: end)
        if pattern.isEmpty { return range.count + 1 }
        var total = 0
        var cursor = range.lowerBound
        while cursor + pattern.count <= range.upperBound {
            if scalars[cursor..<cursor + pattern.count].elementsEqual(pattern) {
                total += 1
                cursor += pattern.count
            } else {
                cursor += 1
            }
        }
        return total
    }

    /// `replace(old, new, count)`; an empty `old` inserts `new` around every scalar.
    static func replace(_ text: String, _ old: String, _ new: String, count limit: Int = -1) -> String {
        let scalars = Scalars(text.unicodeScalars)
        let pattern = Scalars(old.unicodeScalars)
        let replacement = Scalars(new.unicodeScalars)
        let maximum = limit < 0 ? Int.max : limit
        var result: Scalars = []
        var replaced = 0
        if pattern.isEmpty {
            for scalar in scalars {
                if replaced < maximum {
                    result += replacement
                    replaced += 1
                }
                result.append(scalar)
            }
            if replaced < maximum { result += replacement }
            return string(result)
        }
        var cursor = 0
        while cursor < scalars.count {
            if replaced < maximum && cursor + pattern.count <= scalars.count
                && scalars[cursor..<cursor + pattern.count].elementsEqual(pattern)
            {
                result += replacement
                cursor += pattern.count
                replaced += 1
            } else {
                result.append(scalars[cursor])
                cursor += 1
            }
        }
        return string(result)
    }

    /// `str.title()`: a scalar after a cased one is lowercased, any other is titlecased, so
    /// "they're" becomes "They'Re" as in Python.
    static func title(_ text: String) -> String {
        var result = ""
        var previousIsCased = false
        for scalar in text.unicodeScalars {
            result += previousIsCased ? scalar.properties.lowercaseMapping : scalar.properties.titlecaseMapping
            previousIsCased = scalar.properties.isCased
        }
        return result
    }

    /// `str.capitalize()`: the first scalar titlecased, the rest lowercased.
    static func capitalize(_ text: String) -> String {
        var result = ""
        for (position, scalar) in text.unicodeScalars.enumerated() {
            result += position == 0 ? scalar.properties.titlecaseMapping : scalar.properties.lowercaseMapping
        }
        return result
    }

    static func swapCase(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            if scalar.properties.isUppercase {
                result += scalar.properties.lowercaseMapping
            } else if scalar.properties.isLowercase {
                result += scalar.properties.uppercaseMapping
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// `islower()` / `isupper()`: at least one cased scalar, and every cased one in that case.
    static func hasOnlyCase(_ text: String, upper: Bool) -> Bool {
        var sawCased = false
        for scalar in text.unicodeScalars {
            let properties = scalar.properties
            if upper ? (properties.isLowercase || properties.generalCategory == .titlecaseLetter) : (properties.isUppercase || properties.generalCategory == .titlecaseLetter) {
                return false
            }
            if upper ? properties.isUppercase : properties.isLowercase { sawCased = true }
        }
        return sawCased
    }

    /// `istitle()`: uppercase letters only start words, lowercase ones only continue them.
    static func isTitle(_ text: String) -> Bool {
        var sawCased = false
        var previousIsCased = false
        for scalar in text.unicodeScalars {
            let properties = scalar.properties
            if properties.isUppercase || properties.generalCategory == .titlecaseLetter {
                if previousIsCased { return false }
                previousIsCased = true
                sawCased = true
            } else if properties.isLowercase {
                if !previousIsCased { return false }
                previousIsCased = true
                sawCased = true
            } else {
                previousIsCased = false
            }
        }
        return sawCased
    }

    /// `center`, `ljust` and `rjust` padding to `width` scalars.
    static func pad(_ text: String, width: Int, fill: Unicode.Scalar, alignment: Alignment) -> String {
        let length = text.unicodeScalars.count
        guard width > length else { return text }
        let margin = width - length
        let left: Int
        switch alignment {
        case .left: left = 0
        case .right: left = margin
        case .center: left = margin / 2 + (margin & width & 1)
        }
        let fillText = String(fill)
        return String(repeating: fillText, count: left) + text + String(repeating: fillText, count: margin - left)
    }

    enum Alignment {
        case left
        case right
        case center
    }

    /// Whether every scalar satisfies `predicate` and there is at least one, as Python's `is...`
    /// predicates require.
    static func all(_ text: String, _ predicate: (Unicode.Scalar) -> Bool) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy(predicate)
    }
}
