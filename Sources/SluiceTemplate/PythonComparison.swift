/// Python's comparison and membership operators: numbers compare across int, float and bool,
/// strings compare by code point, lists lexicographically, and ordering values of unrelated types
/// is an error.
enum PythonComparison {
    static func compare(_ op: Comparison.Operator, _ left: JinjaValue, _ right: JinjaValue) throws(JinjaError) -> Bool {
        switch op {
        case .equal: return equals(left, right)
        case .notEqual: return !equals(left, right)
        case .less: return try order(left, right, op) < 0
        case .lessOrEqual: return try order(left, right, op) <= 0
        case .greater: return try order(left, right, op) > 0
        case .greaterOrEqual: return try order(left, right, op) >= 0
        case .contains: return try contains(right, left)
        case .notContains: return !(try contains(right, left))
        }
    }

    /// Python's `==`, where `1 == 1.0 == True` and undefined equals only undefined.
    static func equals(_ leftValue: JinjaValue, _ rightValue: JinjaValue) -> Bool {
        let left = leftValue.plain
        let right = rightValue.plain
        if let a = Arithmetic.Number(left), let b = Arithmetic.Number(right) {
            switch (a, b) {
            case (.int(let x), .int(let y)): return x == y
            default: return a.asDouble == b.asDouble
            }
        }
        switch (left, right) {
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { equals($0, $1) }
        case (.object(let a), .object(let b)):
            return a.count == b.count && a.pythonEntries.allSatisfy { entry in b[pythonKey: entry.key].map { equals(entry.value, $0) } ?? false }
        default:
            return left == right
        }
    }

    /// Python's ordering as -1, 0 or 1.
    static func order(_ leftValue: JinjaValue, _ rightValue: JinjaValue, _ op: Comparison.Operator = .less) throws(JinjaError) -> Int {
        let left = leftValue.plain
        let right = rightValue.plain
        if let a = Arithmetic.Number(left), let b = Arithmetic.Number(right) {
            if case .int(let x) = a, case .int(let y) = b { return x < y ? -1 : x > y ? 1 : 0 }
            let x = a.asDouble
            let y = b.asDouble
            return x < y ? -1 : x > y ? 1 : 0
        }
        switch (left, right) {
        case (.string(let a), .string(let b)):
            if a.unicodeScalars.elementsEqual(b.unicodeScalars) { return 0 }
            return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) ? -1 : 1
        case (.array(let a), .array(let b)):
            for (x, y) in zip(a, b) where !equals(x, y) {
                return try order(x, y, op)
            }
            return a.count < b.count ? -1 : a.count > b.count ? 1 : 0
        default:
            throw .runtime("'\(op.rawValue)' not supported between instances of '\(left.typeName)' and '\(right.typeName)'")
        }
    }

    /// Python's `needle in container`.
    static func contains(_ containerValue: JinjaValue, _ needleValue: JinjaValue) throws(JinjaError) -> Bool {
        let container = containerValue.plain
        let needle = needleValue.plain
        switch container {
        case .string(let text):
            guard case .string(let part) = needle else {
                throw .runtime("'in <string>' requires string as left operand, not \(needle.typeName)")
            }
            return part.isEmpty || text.unicodeScalars.firstRange(of: part.unicodeScalars) != nil
        case .array(let items):
            return items.contains { equals($0, needle) }
        case .object(let object):
            return object[pythonKey: needle] != nil
        case .iterator(let iterator):
            while let item = iterator.next() {
                if equals(item, needle) { return true }
            }
            return false
        case .undefined:
            return false
        default:
            throw .runtime("argument of type '\(container.typeName)' is not iterable")
        }
    }
}
