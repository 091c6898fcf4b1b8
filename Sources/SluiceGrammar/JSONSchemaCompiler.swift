import Foundation

/// Compiles a JSON Schema into a grammar over JSON text, following llguidance's JSON compiler
/// (parser/src/json/: schema.rs and compiler.rs): strings, numbers, keys and literals become single
/// lexemes; objects emit declared properties in schema order, then any additional ones; `allOf` is merged,
/// `anyOf` / `oneOf` become alternatives (oneOf is not checked for exclusivity), `$ref` becomes a
/// nonterminal so recursion works. Keywords we cannot enforce are refused by name.
struct JSONSchemaCompiler {
    var builder: GrammarBuilder
    let root: JSONValue
    private var refNonterminals: [String: Int] = [:]
    private var anyValueSymbol: GrammarSymbol?
    private var depth = 0

    /// Keywords that only annotate; ignored.
    static let annotations: Set<String> = [
        "$schema", "$id", "id", "$comment", "title", "description", "default", "examples", "example", "readOnly",
        "writeOnly", "deprecated", "$defs", "definitions", "contentMediaType", "contentEncoding", "$anchor",
        "$vocabulary", "discriminator", "nullable", "strict", "name",
    ]
    /// Validation keywords we cannot enforce (yet): a schema using them is refused.
    static let unsupported: Set<String> = [
        "not", "if", "then", "else", "patternProperties", "dependencies", "dependentRequired", "dependentSchemas",
        "minProperties", "maxProperties", "multipleOf", "propertyNames", "contains", "minContains", "maxContains",
        "unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$recursiveRef",
        "contentSchema",
    ]

    init(root: JSONValue, limits: GrammarLimits) {
        builder = GrammarBuilder(limits: limits)
        self.root = root
    }

    /// The most values one `enum` may list.
    static let maxEnumValues = 4096

    static func compile(_ schema: JSONValue, limits: GrammarLimits) throws -> Grammar {
        var compiler = JSONSchemaCompiler(root: schema, limits: limits)
        guard let start = try compiler.symbol(for: schema) else {
            throw GrammarError.invalidSchema("the schema matches no value")
        }
        return try compiler.builder.build(start: start, skipWhitespace: true)
    }

    static func anyJSON(limits: GrammarLimits) throws -> Grammar {
        var compiler = JSONSchemaCompiler(root: .bool(true), limits: limits)
        let start = try compiler.anyValue()
        return try compiler.builder.build(start: start, skipWhitespace: true)
    }

    // MARK: - lexemes

    private mutating func lexeme(regex: String, encoding: RegexLowering.Encoding = .utf8) throws -> ExpressionID {
        let node = try RegexParser.parse(regex, maxRepeat: builder.limits.maxRepeat)
        return try RegexLowering.anchored(node, encoding: encoding, into: &builder.expressions)
    }

    private mutating func punct(_ s: String) -> GrammarSymbol { builder.literal(s) }

    /// A JSON string's content character (unescaped, or an escape).
    private mutating func stringCharacter() throws -> ExpressionID {
        try lexeme(regex: #"[^"\\\x00-\x1F]|\\(["\\/bfnrt]|u[0-9a-fA-F]{4})"#)
    }

    private mutating func quoted(_ content: ExpressionID) -> ExpressionID {
        let q = builder.expressions.byte(0x22)
        return builder.expressions.sequence([q, content, q])
    }

    private mutating func anyString() throws -> ExpressionID {
        let c = try stringCharacter()
        return quoted(builder.expressions.repeatRange(c, min: 0, max: nil))
    }

    private static let numberRegex = #"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?"#
    private static let integerRegex = #"-?(0|[1-9][0-9]*)"#

    // MARK: - any JSON value

    mutating func anyValue() throws -> GrammarSymbol {
        if let s = anyValueSymbol { return s }
        let value = builder.nonterminal("value")
        anyValueSymbol = .nonterminal(value)
        let string = builder.lexeme(try anyString())
        let number = builder.lexeme(try lexeme(regex: Self.numberRegex))
        let members = builder.nonterminal("members")
        let elements = builder.nonterminal("elements")
        let (lb, rb, ls, rs, comma, colon) = (punct("{"), punct("}"), punct("["), punct("]"), punct(","), punct(":"))
        for alt in [[string], [number], [punct("true")], [punct("false")], [punct("null")],
                    [lb, rb], [lb, .nonterminal(members), rb], [ls, rs], [ls, .nonterminal(elements), rs]] {
            try builder.rule(value, alt)
        }
        try builder.rule(members, [string, colon, .nonterminal(value)])
        try builder.rule(members, [.nonterminal(members), comma, string, colon, .nonterminal(value)])
        try builder.rule(elements, [.nonterminal(value)])
        try builder.rule(elements, [.nonterminal(elements), comma, .nonterminal(value)])
        return .nonterminal(value)
    }

    // MARK: - schemas

    private func resolve(_ ref: String) throws -> JSONValue {
        guard ref.hasPrefix("#") else { throw GrammarError.unsupportedKeywords(["$ref to an external document (\(ref))"]) }
        var node = root
        let pointer = ref.dropFirst()
        if pointer.isEmpty { return root }
        guard pointer.hasPrefix("/") else { throw GrammarError.invalidSchema("$ref \(ref) is not a JSON pointer") }
        for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let part = String(raw).replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
                .removingPercentEncoding ?? String(raw)
            if let next = node[part] { node = next; continue }
            if let array = node.arrayValue, let i = Int(part), i >= 0, i < array.count { node = array[i]; continue }
            throw GrammarError.invalidSchema("$ref \(ref) does not resolve")
        }
        return node
    }

    /// The symbol for values matching `schema`, or nil if none can.
    mutating func symbol(for schema: JSONValue) throws -> GrammarSymbol? {
        depth += 1
        defer { depth -= 1 }
        if depth > 200 { throw GrammarError.limitExceeded("schema nested deeper than 200") }
        switch schema {
        case let .bool(b): return b ? try anyValue() : nil
        case let .object(members):
            let keys = Set(members.map(\.0))
            if keys == ["$ref"] || (keys.contains("$ref") && keys.subtracting(Self.annotations).count == 1) {
                return try reference(schema["$ref"]?.stringValue)
            }
            let flat = try flatten(schema)
            if flat.allSatisfy({ Self.annotations.contains($0.0) }) { return try anyValue() }
            return try compileObjectSchema(flat)
        default:
            throw GrammarError.invalidSchema("a schema must be an object or a boolean")
        }
    }

    private mutating func reference(_ ref: String?) throws -> GrammarSymbol? {
        guard let ref else { throw GrammarError.invalidSchema("$ref must be a string") }
        if let n = refNonterminals[ref] { return .nonterminal(n) }
        let n = builder.nonterminal("ref \(ref)")
        refNonterminals[ref] = n
        let target = try resolve(ref)
        guard let s = try symbol(for: target) else { return nil }
        try builder.rule(n, [s])
        return .nonterminal(n)
    }

    /// The schema with `$ref` siblings and `allOf` merged in, as one object.
    private func flatten(_ schema: JSONValue, depth: Int = 0) throws -> [(String, JSONValue)] {
        guard depth < 50 else { throw GrammarError.limitExceeded("allOf / $ref nested deeper than 50") }
        guard case var .object(members) = schema else {
            if schema == .bool(true) { return [] }
            if schema == .bool(false) { return [("enum", .array([]))] }
            throw GrammarError.invalidSchema("a schema must be an object or a boolean")
        }
        var result: [(String, JSONValue)] = []
        if let ref = schema["$ref"]?.stringValue {
            members.removeAll { $0.0 == "$ref" }
            result = try flatten(try resolve(ref), depth: depth + 1)
        }
        var parts: [JSONValue] = []
        if let allOf = schema["allOf"] {
            guard let list = allOf.arrayValue else { throw GrammarError.invalidSchema("allOf must be an array") }
            parts = list
            members.removeAll { $0.0 == "allOf" }
        }
        result = Self.merge(result, members)
        for part in parts { result = Self.merge(result, try flatten(part, depth: depth + 1)) }
        return result
    }

    /// Intersects two flattened schemas, keyword by keyword.
    static func merge(_ a: [(String, JSONValue)], _ b: [(String, JSONValue)]) -> [(String, JSONValue)] {
        var out = a
        func get(_ k: String) -> JSONValue? { out.last(where: { $0.0 == k })?.1 }
        func set(_ k: String, _ v: JSONValue) {
            if let i = out.firstIndex(where: { $0.0 == k }) { out[i].1 = v } else { out.append((k, v)) }
        }
        for (key, value) in b {
            guard let existing = get(key) else { set(key, value); continue }
            switch key {
            case "properties":
                var props = existing.objectValue ?? []
                for (name, schema) in value.objectValue ?? [] {
                    if let i = props.firstIndex(where: { $0.0 == name }) {
                        props[i].1 = .object([("allOf", .array([props[i].1, schema]))])
                    } else {
                        props.append((name, schema))
                    }
                }
                set(key, .object(props))
            case "required":
                var names = existing.arrayValue ?? []
                for n in value.arrayValue ?? [] where !names.contains(n) { names.append(n) }
                set(key, .array(names))
            case "type":
                let left = typeNames(existing), right = typeNames(value)
                var both: [JSONValue] = []
                for t in left {
                    if right.contains(t) { both.append(.string(t)) }
                    else if t == "number" && right.contains("integer") { both.append(.string("integer")) }
                    else if t == "integer" && right.contains("number") { both.append(.string("integer")) }
                }
                set(key, .array(both))
            case "additionalProperties", "items":
                set(key, .object([("allOf", .array([existing, value]))]))
            case "minimum", "minLength", "minItems", "exclusiveMinimum":
                if let x = existing.doubleValue, let y = value.doubleValue, y > x { set(key, value) }
            case "maximum", "maxLength", "maxItems", "exclusiveMaximum":
                if let x = existing.doubleValue, let y = value.doubleValue, y < x { set(key, value) }
            case "enum":
                let keep = (existing.arrayValue ?? []).filter { (value.arrayValue ?? []).contains($0) }
                set(key, .array(keep))
            case "anyOf", "oneOf":
                // (A1 | A2) & (B1 | B2): the cross product.
                var product: [JSONValue] = []
                for x in existing.arrayValue ?? [] {
                    for y in value.arrayValue ?? [] { product.append(.object([("allOf", .array([x, y]))])) }
                }
                set(key, .array(product))
            default:
                set(key, value)
            }
        }
        return out
    }

    static func typeNames(_ t: JSONValue) -> [String] {
        if let s = t.stringValue { return [s] }
        return (t.arrayValue ?? []).compactMap(\.stringValue)
    }

    private static let allTypes = ["null", "boolean", "object", "array", "string", "number"]

    private mutating func compileObjectSchema(_ members: [(String, JSONValue)]) throws -> GrammarSymbol? {
        let schema = JSONValue.object(members)
        let present = Set(members.map(\.0))
        let refused = present.intersection(Self.unsupported).sorted()
        if !refused.isEmpty { throw GrammarError.unsupportedKeywords(refused) }
        if schema["uniqueItems"]?.boolValue == true { throw GrammarError.unsupportedKeywords(["uniqueItems"]) }

        // anyOf / oneOf with sibling constraints: each branch gets the siblings.
        for key in ["anyOf", "oneOf"] where schema[key] != nil {
            guard let options = schema[key]?.arrayValue else { throw GrammarError.invalidSchema("\(key) must be an array") }
            let rest = members.filter { $0.0 != key }
            if options.count > 1000 { throw GrammarError.limitExceeded("\(key) with more than 1000 branches") }
            var alternatives: [[GrammarSymbol]] = []
            let restIsAnnotation = rest.allSatisfy { Self.annotations.contains($0.0) }
            for option in options {
                if restIsAnnotation {
                    if let s = try symbol(for: option) { alternatives.append([s]) }
                    continue
                }
                let merged = Self.merge(rest, try flatten(option))
                if let s = try symbol(for: .object(merged)) { alternatives.append([s]) }
            }
            if alternatives.isEmpty { return nil }
            return try builder.choice(key, alternatives)
        }

        if let values = schema["enum"]?.arrayValue ?? schema["const"].map({ [$0] }) {
            // Each value is a branch of one lexeme, and a lexer state's cost grows with them: bounded like anyOf.
            if values.count > Self.maxEnumValues { throw GrammarError.limitExceeded("enum with more than \(Self.maxEnumValues) values") }
            return try literalValues(values, schema: schema)
        }

        var types = schema["type"].map(Self.typeNames) ?? Self.allTypes
        if types.contains("number") { types.removeAll { $0 == "integer" } }
        var alternatives: [[GrammarSymbol]] = []
        for type in types {
            if let s = try symbol(type: type, schema: schema) { alternatives.append([s]) }
        }
        if alternatives.isEmpty { return nil }
        return try builder.choice("type", alternatives)
    }

    private mutating func literalValues(_ values: [JSONValue], schema: JSONValue) throws -> GrammarSymbol? {
        var lexemes: [ExpressionID] = []
        let types = schema["type"].map(Self.typeNames)
        for v in values {
            if let types, !types.contains(where: { Self.matchesType(v, $0) }) { continue }
            lexemes.append(builder.expressions.literal(v.compactText()))
        }
        if lexemes.isEmpty { return nil }
        return builder.lexeme(builder.expressions.or(lexemes))
    }

    private static func matchesType(_ v: JSONValue, _ type: String) -> Bool {
        switch (v, type) {
        case (.null, "null"), (.bool, "boolean"), (.string, "string"), (.array, "array"), (.object, "object"), (.number, "number"):
            return true
        case let (.number(n), "integer"):
            return Double(n).map { $0 == $0.rounded() } ?? false
        default:
            return false
        }
    }

    private mutating func symbol(type: String, schema: JSONValue) throws -> GrammarSymbol? {
        switch type {
        case "null": return punct("null")
        case "boolean": return builder.lexeme(builder.expressions.or([builder.expressions.literal("true"), builder.expressions.literal("false")]))
        case "string": return try string(schema)
        case "integer": return try integer(schema)
        case "number": return try number(schema)
        case "array": return try array(schema)
        case "object": return try object(schema)
        default: throw GrammarError.invalidSchema("unknown type \(type)")
        }
    }

    // MARK: strings

    private static let formats: [String: String] = [
        "date": #"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"#,
        "time": #"([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"#,
        "date-time": #"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"#,
        "uuid": #"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"#,
        "email": #"[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*"#,
        "ipv4": #"((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"#,
        "hostname": #"[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*"#,
        "uri": #"[a-zA-Z][a-zA-Z0-9+.-]*:[^\s"\\<>^`{|}]*"#,
    ]

    private mutating func string(_ schema: JSONValue) throws -> GrammarSymbol? {
        var constraints: [ExpressionID] = []
        let minLength = Int(schema["minLength"]?.doubleValue ?? 0)
        let maxLength = schema["maxLength"]?.doubleValue.map { Int($0) }
        if let maxLength, maxLength > builder.limits.maxRepeat {
            throw GrammarError.limitExceeded("maxLength above \(builder.limits.maxRepeat)")
        }
        if minLength > builder.limits.maxRepeat { throw GrammarError.limitExceeded("minLength above \(builder.limits.maxRepeat)") }
        let c = try stringCharacter()
        constraints.append(quoted(builder.expressions.repeatRange(c, min: minLength, max: maxLength)))
        if let pattern = schema["pattern"] {
            guard let p = pattern.stringValue else { throw GrammarError.invalidSchema("pattern must be a string") }
            let node = try RegexParser.parse(p, maxRepeat: builder.limits.maxRepeat)
            constraints.append(quoted(try RegexLowering.search(node, encoding: .jsonString, into: &builder.expressions)))
        }
        if let format = schema["format"]?.stringValue {
            guard let regex = Self.formats[format] else { throw GrammarError.unsupportedKeywords(["format: \(format)"]) }
            let node = try RegexParser.parse(regex)
            constraints.append(quoted(try RegexLowering.anchored(node, encoding: .jsonString, into: &builder.expressions)))
        }
        let expr = builder.expressions.and(constraints)
        if expr == ExpressionSet.nothing { return nil }
        return builder.lexeme(expr)
    }

    // MARK: numbers

    private static func bound(_ v: JSONValue?) throws -> Double? {
        guard let v else { return nil }
        if v == .bool(false) || v == .bool(true) { return nil }
        guard let d = v.doubleValue else { throw GrammarError.invalidSchema("numeric bound is not a number") }
        return d
    }

    private mutating func integer(_ schema: JSONValue) throws -> GrammarSymbol? {
        func integral(_ d: Double?) -> Int? {
            guard let d, abs(d) < 1e18 else { return nil }
            return Int(d)
        }
        var low = integral(try Self.bound(schema["minimum"]).map { ceil($0) })
        var high = integral(try Self.bound(schema["maximum"]).map { floor($0) })
        // Draft 4 booleans, or draft 6+ numbers.
        if schema["exclusiveMinimum"] == .bool(true), let l = low { low = l + 1 }
        if schema["exclusiveMaximum"] == .bool(true), let h = high { high = h - 1 }
        let limit = 1e18
        if let x = try Self.bound(schema["exclusiveMinimum"]), abs(x) < limit { low = max(low ?? Int.min, Int(floor(x)) + 1) }
        if let x = try Self.bound(schema["exclusiveMaximum"]), abs(x) < limit { high = min(high ?? Int.max, Int(ceil(x)) - 1) }
        for b in [low, high] { if let b, abs(b) > 1_000_000_000_000_000 { throw GrammarError.unsupportedKeywords(["integer bound beyond 10^18"]) } }
        if low == nil && high == nil { return builder.lexeme(try lexeme(regex: Self.integerRegex)) }
        guard let regex = IntegerRange.regex(low: low, high: high) else { return nil }
        return builder.lexeme(try lexeme(regex: regex))
    }

    private mutating func number(_ schema: JSONValue) throws -> GrammarSymbol? {
        let keys = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]
        let bounded = keys.filter { k in schema[k].map { $0 != .bool(false) } ?? false }
        if bounded.isEmpty { return builder.lexeme(try lexeme(regex: Self.numberRegex)) }
        // Non-negative numbers are the one bounded case we enforce so far; others are refused by name.
        if bounded == ["minimum"], try Self.bound(schema["minimum"]) == 0 {
            return builder.lexeme(try lexeme(regex: #"(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?"#))
        }
        throw GrammarError.unsupportedKeywords(bounded.map { "\($0) on a non-integer number" })
    }

    // MARK: arrays

    private mutating func array(_ schema: JSONValue) throws -> GrammarSymbol? {
        var prefix: [JSONValue] = schema["prefixItems"]?.arrayValue ?? []
        var rest: JSONValue = schema["items"] ?? .bool(true)
        if let tuple = schema["items"]?.arrayValue { // draft 4 tuple form
            prefix = tuple
            rest = schema["additionalItems"] ?? .bool(true)
        } else if schema["prefixItems"] != nil, let items = schema["items"] {
            rest = items
        }
        let minItems = Int(schema["minItems"]?.doubleValue ?? 0)
        let maxItems = schema["maxItems"]?.doubleValue.map { Int($0) }
        if minItems > builder.limits.maxRepeat || (maxItems ?? 0) > builder.limits.maxRepeat {
            throw GrammarError.limitExceeded("minItems / maxItems above \(builder.limits.maxRepeat)")
        }
        if let maxItems, maxItems < minItems { return nil }
        let comma = punct(","), open = punct("["), close = punct("]")
        var itemSymbols: [GrammarSymbol?] = []
        for p in prefix { itemSymbols.append(try symbol(for: p)) }
        let restSymbol = try symbol(for: rest)
        // Item i (0-based) is prefix[i] or the rest schema; nil when no value fits.
        func item(_ i: Int) -> GrammarSymbol? { i < itemSymbols.count ? itemSymbols[i] : restSymbol }

        // tail(i), i >= 1: the items from index i on, each after a comma. Built from the back: tail(upper) is
        // empty when maxItems bounds the array, else the open repetition of the rest schema.
        let upper = maxItems ?? max(minItems, itemSymbols.count)
        var tail: GrammarSymbol?
        let base = builder.nonterminal(maxItems == nil ? "items*" : "items end")
        try builder.rule(base, [])
        if maxItems == nil, let r = restSymbol { try builder.rule(base, [comma, r, .nonterminal(base)]) }
        tail = .nonterminal(base)
        if upper >= 1 {
            for i in stride(from: upper - 1, through: 1, by: -1) {
                var alternatives: [[GrammarSymbol]] = []
                if i >= minItems { alternatives.append([]) }
                if let it = item(i), let t = tail { alternatives.append([comma, it, t]) }
                if alternatives.isEmpty {
                    tail = nil
                } else {
                    let n = builder.nonterminal("items\(i)")
                    for a in alternatives { try builder.rule(n, a) }
                    tail = .nonterminal(n)
                }
            }
        }
        var alternatives: [[GrammarSymbol]] = []
        if minItems == 0 { alternatives.append([open, close]) }
        if (maxItems ?? 1) >= 1, let first = item(0), let t = tail { alternatives.append([open, first, t, close]) }
        if alternatives.isEmpty { return nil }
        return try builder.choice("array", alternatives)
    }

    // MARK: objects

    private mutating func object(_ schema: JSONValue) throws -> GrammarSymbol? {
        var properties: [(String, JSONValue)] = schema["properties"]?.objectValue ?? []
        let required = Set((schema["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        let additional: JSONValue = schema["additionalProperties"] ?? .bool(true)
        for name in (schema["required"]?.arrayValue ?? []).compactMap(\.stringValue)
        where !properties.contains(where: { $0.0 == name }) {
            properties.append((name, additional))
        }
        let comma = punct(","), colon = punct(":"), open = punct("{"), close = punct("}")
        // One (key ":" value) symbol per property; nil for a property no value fits.
        var pairs: [GrammarSymbol?] = []
        for (name, propertySchema) in properties {
            if let value = try symbol(for: propertySchema) {
                let key = builder.literal(JSONValue.quoted(name))
                let n = builder.nonterminal("property \(name)")
                try builder.rule(n, [key, colon, value])
                pairs.append(.nonterminal(n))
            } else {
                if required.contains(name) { return nil }
                pairs.append(nil)
            }
        }
        // Additional properties: any key but the declared ones.
        var extraPair: GrammarSymbol?
        if let value = try symbol(for: additional) {
            var keyExpression = try anyString()
            if !properties.isEmpty {
                let declared = properties.map { builder.expressions.literal(JSONValue.quoted($0.0)) }
                let excluded = builder.expressions.not(builder.expressions.or(declared))
                keyExpression = builder.expressions.and([keyExpression, excluded])
            }
            let n = builder.nonterminal("additional property")
            try builder.rule(n, [builder.lexeme(keyExpression), colon, value])
            extraPair = .nonterminal(n)
        }
        // rest(i, first): properties i... in order; `first` means no comma before the next one.
        var restFirst: [GrammarSymbol] = [], restLater: [GrammarSymbol] = []
        let extraFirst = builder.nonterminal("additional*"), extraLater = builder.nonterminal("additional*,")
        try builder.rule(extraFirst, [])
        try builder.rule(extraLater, [])
        if let extraPair {
            try builder.rule(extraFirst, [extraPair, .nonterminal(extraLater)])
            try builder.rule(extraLater, [comma, extraPair, .nonterminal(extraLater)])
        }
        restFirst = [GrammarSymbol](repeating: .nonterminal(extraFirst), count: properties.count + 1)
        restLater = [GrammarSymbol](repeating: .nonterminal(extraLater), count: properties.count + 1)
        for i in stride(from: properties.count - 1, through: 0, by: -1) {
            let f = builder.nonterminal("properties\(i)"), l = builder.nonterminal("properties\(i),")
            if let pair = pairs[i] {
                try builder.rule(f, [pair, restLater[i + 1]])
                try builder.rule(l, [comma, pair, restLater[i + 1]])
            }
            if !required.contains(properties[i].0) {
                try builder.rule(f, [restFirst[i + 1]])
                try builder.rule(l, [restLater[i + 1]])
            }
            restFirst[i] = .nonterminal(f)
            restLater[i] = .nonterminal(l)
        }
        let n = builder.nonterminal("object")
        try builder.rule(n, [open, restFirst[0], close])
        return .nonterminal(n)
    }
}
