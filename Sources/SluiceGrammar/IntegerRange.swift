/// Regexes for the decimal integers in a range, digit by digit, as llguidance's `rx_int_range`
/// (parser/src/json/numeric.rs) builds them.
enum IntegerRange {
    /// A regex (our syntax) for the JSON integers in [low, high]; nil bounds are open.
    static func regex(low: Int?, high: Int?) -> String? {
        if let low, let high, low > high { return nil }
        var branches: [String] = []
        // Negative part: -n for n in [max(1, -high), -low].
        if low.map({ $0 < 0 }) ?? true {
            let negHigh = low.map { -$0 } // largest magnitude
            let negLow = max(1, high.map { -$0 } ?? 1)
            if negHigh.map({ negLow <= $0 }) ?? true {
                branches.append("-(" + positive(negLow, negHigh) + ")")
            }
        }
        // Non-negative part.
        if high.map({ $0 >= 0 }) ?? true {
            let lo = max(0, low ?? 0)
            if let high {
                branches.append(nonNegative(lo, high))
            } else {
                branches.append(nonNegative(lo, nil))
            }
        }
        return branches.isEmpty ? nil : branches.map { "(\($0))" }.joined(separator: "|")
    }

    /// [lo, hi] for lo >= 0 (hi nil: unbounded).
    private static func nonNegative(_ lo: Int, _ hi: Int?) -> String {
        if lo == 0 {
            if let hi { return hi == 0 ? "0" : "0|" + positive(1, hi) }
            return "0|" + positive(1, nil)
        }
        return positive(lo, hi)
    }

    /// [lo, hi] for lo >= 1, no leading zeros.
    private static func positive(_ lo: Int, _ hi: Int?) -> String {
        let loDigits = String(lo).count
        var parts: [String] = []
        let maxDigits = hi.map { String($0).count } ?? loDigits
        for n in loDigits...maxDigits {
            let a = max(lo, n == 1 ? 1 : pow10(n - 1))
            let b = min(hi ?? Int.max, pow10(n) - 1)
            if a <= b { parts.append(sameLength(Array(String(a)), Array(String(b)))) }
        }
        if hi == nil { parts.append("[1-9][0-9]{\(loDigits),}") }
        return parts.joined(separator: "|")
    }

    private static func pow10(_ n: Int) -> Int {
        var r = 1
        for _ in 0..<n { r *= 10 }
        return r
    }

    /// Equal-length digit strings a <= b.
    private static func sameLength(_ a: [Character], _ b: [Character]) -> String {
        if a.isEmpty { return "" }
        if a == b { return String(a) }
        let n = a.count
        if a.dropFirst().allSatisfy({ $0 == "0" }) && b.dropFirst().allSatisfy({ $0 == "9" }) {
            return "[\(a[0])-\(b[0])]" + (n > 1 ? "[0-9]{\(n - 1)}" : "")
        }
        if a[0] == b[0] { return String(a[0]) + "(" + sameLength(Array(a.dropFirst()), Array(b.dropFirst())) + ")" }
        var branches: [String] = []
        let nines = [Character](repeating: "9", count: n - 1)
        let zeros = [Character](repeating: "0", count: n - 1)
        branches.append(String(a[0]) + "(" + sameLength(Array(a.dropFirst()), nines) + ")")
        let da = a[0].wholeNumberValue!, db = b[0].wholeNumberValue!
        if da + 1 <= db - 1 { branches.append("[\(da + 1)-\(db - 1)][0-9]{\(n - 1)}") }
        branches.append(String(b[0]) + "(" + sameLength(zeros, Array(b.dropFirst())) + ")")
        return branches.joined(separator: "|")
    }
}
