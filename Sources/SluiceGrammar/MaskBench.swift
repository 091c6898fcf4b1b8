import Foundation

/// MaskBench (guidance-ai/jsonschemabench's `maskbench/data`): JSON schemas with valid and invalid
/// instances. `sluice bench grammar` and the tests share this loader and checker.
public struct MaskBenchCase: Sendable {
    public struct Instance: Sendable {
        public let valid: Bool
        public let data: JSONValue
    }
    public let name: String
    /// The schema's JSON text, member order kept.
    public let schemaText: String
    public let instances: [Instance]

    /// Every case file under `directory`, sorted by name.
    public static func load(directory: String) throws -> [MaskBenchCase] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
        return try names.map { name in
            let data = try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(name))
            let file = try JSONValue.parse([UInt8](data))
            guard let schema = file["schema"] else { throw GrammarError.invalidJSON("\(name) has no schema") }
            let instances = (file["tests"]?.arrayValue ?? []).compactMap { t -> Instance? in
                guard let valid = t["valid"]?.boolValue, let data = t["data"] else { return nil }
                return Instance(valid: valid, data: data)
            }
            return MaskBenchCase(name: name, schemaText: schema.compactText(), instances: instances)
        }
    }
}

/// How one instance fared, token by token.
public struct InstanceCheck: Sendable {
    /// Whether every token and then an end token was accepted.
    public let accepted: Bool
    /// The first token where the mask and `accept` disagreed, if masks were checked.
    public let disagreement: String?
    /// Nanoseconds per mask computed.
    public let maskNanoseconds: [UInt64]
}

extension GrammarMatcher {
    /// Feeds `tokens`, then an end token; with `checkMasks`, computes the mask before each token and
    /// checks it agrees with `accept`. `sharingCaches: false` starts the matcher with empty caches of its own.
    public static func check(grammar: Grammar, vocabulary: TokenVocabulary, tokens: [Int], checkMasks: Bool,
                             sharingCaches: Bool = true) throws -> InstanceCheck {
        let matcher = try GrammarMatcher(grammar: grammar, vocabulary: vocabulary, sharingCaches: sharingCaches)
        var mask = TokenBitmask(size: vocabulary.size)
        var times: [UInt64] = []
        var disagreement: String?
        for (i, token) in (tokens + [vocabulary.endTokenIDs.first ?? -1]).enumerated() {
            var allowed = true
            if checkMasks {
                let start = DispatchTime.now().uptimeNanoseconds
                try matcher.computeMask(into: &mask)
                times.append(DispatchTime.now().uptimeNanoseconds - start)
                allowed = mask.isAllowed(token)
            }
            let accepted = try matcher.accept(token)
            if checkMasks, allowed != accepted, disagreement == nil {
                disagreement = "token \(i) (\(token)): mask \(allowed ? "allows" : "forbids") it, accept \(accepted ? "takes" : "refuses") it"
            }
            if !accepted { return InstanceCheck(accepted: false, disagreement: disagreement, maskNanoseconds: times) }
        }
        return InstanceCheck(accepted: true, disagreement: disagreement, maskNanoseconds: times)
    }
}
