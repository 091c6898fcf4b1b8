import Foundation
import SluiceGrammar

/// The Hermes format that Qwen2.5's template teaches: `<tool_call>{"name": …, "arguments": {…}}</tool_call>`,
/// one block per call (vLLM's `hermes` parser).
///
/// Small models do not always write the tags: Qwen2.5-Coder-1.5B writes a fenced ```` ```json ```` block
/// holding the same object instead. Without any `<tool_call>` tag, fenced blocks (json or unlabelled) whose
/// JSON is such an object, or an array of them, are calls too (a last one left open as well), and so is such JSON at the very start of the
/// answer, bare (Qwen2.5-Coder-0.5B often answers with just the object); what follows it is content. A last
/// `<tool_call>` left open (the model stopped before the closing tag) still counts when its JSON is whole.
///
/// With the request's function names, a block that calls any other function is no call but content: a model
/// that answers with JSON shaped like a call (`{"name": "Buddy", "arguments": …}`) has not called a tool.
struct HermesToolCallParser: ToolCallParser {
    static let openTag = "<tool_call>"
    static let closeTag = "</tool_call>"

    /// The functions that may be called; nil: any name.
    var functionNames: Set<String>? = nil

    func parse(_ text: String) -> ParsedToolCalls {
        if text.contains(Self.openTag) { return parseTagged(text) }
        if let (calls, rest) = leadingCalls(text) {
            let more = parseFenced(rest)
            return ParsedToolCalls(content: more.content, calls: calls + more.calls)
        }
        return parseFenced(text)
    }

    /// The calls of a JSON object or array that opens the text (after whitespace), and the text after it.
    func leadingCalls(_ text: String) -> ([ParsedToolCalls.Call], String)? {
        let scalars = text.unicodeScalars
        guard let start = scalars.firstIndex(where: { !($0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r") }),
              scalars[start] == "{" || scalars[start] == "[" else { return nil }
        var end = JSONValueEnd()
        var index = start
        while index < scalars.endIndex {
            let step = end.read(scalars[index])
            index = scalars.index(after: index)
            if step == .closed { break }
            if step != .inside { return nil }
        }
        let calls = self.calls(in: Substring(scalars[start..<index]))
        return calls.isEmpty ? nil : (calls, String(scalars[index...]))
    }

    /// `<tool_call>` blocks; what lies outside them (and blocks that do not parse) is content.
    private func parseTagged(_ text: String) -> ParsedToolCalls {
        var calls: [ParsedToolCalls.Call] = []
        var content = ""
        var rest = Substring(text)
        while let open = rest.range(of: Self.openTag) {
            content += rest[..<open.lowerBound]
            let body: Substring
            let after: Substring
            if let close = rest[open.upperBound...].range(of: Self.closeTag) {
                body = rest[open.upperBound..<close.lowerBound]
                after = rest[close.upperBound...]
            } else {
                body = rest[open.upperBound...]
                after = ""
            }
            let found = self.calls(in: body)
            if found.isEmpty {
                content += rest[open.lowerBound..<after.startIndex]
            } else {
                calls += found
            }
            rest = after
        }
        content += rest
        return ParsedToolCalls(content: Self.trimmed(content), calls: calls)
    }

    /// Fenced code blocks holding calls; other text and other blocks are content.
    private func parseFenced(_ text: String) -> ParsedToolCalls {
        var calls: [ParsedToolCalls.Call] = []
        var content = ""
        var rest = Substring(text)
        while let open = rest.range(of: "```") {
            // The fence's info string (`json`, or nothing) runs to the end of its line.
            guard let lineEnd = rest[open.upperBound...].firstIndex(of: "\n") else { break }
            let info = rest[open.upperBound..<lineEnd].trimmingCharacters(in: .whitespaces).lowercased()
            let isJSON = info.isEmpty || info == "json"
            guard let close = rest[lineEnd...].range(of: "```") else {
                // A last block left open (the model stopped before its closing fence) counts when its JSON is whole.
                let found = isJSON ? self.calls(in: rest[lineEnd...]) : []
                if found.isEmpty { break }
                content += rest[..<open.lowerBound]
                calls += found
                rest = ""
                break
            }
            let found = isJSON ? self.calls(in: rest[lineEnd..<close.lowerBound]) : []
            content += rest[..<open.lowerBound]
            if found.isEmpty { content += rest[open.lowerBound..<close.upperBound] } else { calls += found }
            rest = rest[close.upperBound...]
        }
        content += rest
        return ParsedToolCalls(content: Self.trimmed(content), calls: calls)
    }

    /// The calls in a block's JSON: one object with a `name` and `arguments` (or `parameters`), or an
    /// array of them; none when anything in it is not a call.
    func calls(in json: Substring) -> [ParsedToolCalls.Call] {
        guard let value = try? SluiceGrammar.JSONValue.parse(String(json)) else { return [] }
        let objects = value.arrayValue ?? [value]
        var calls: [ParsedToolCalls.Call] = []
        for object in objects {
            guard let name = object["name"]?.stringValue, !name.isEmpty, functionNames?.contains(name) ?? true,
                  let arguments = object["arguments"] ?? object["parameters"] else { return [] }
            // Some models write the arguments as a string holding JSON, as OpenAI sends them.
            if let text = arguments.stringValue {
                guard let parsed = try? SluiceGrammar.JSONValue.parse(text), parsed.objectValue != nil else { return [] }
                calls.append(ParsedToolCalls.Call(name: name, arguments: parsed.compactText()))
            } else {
                guard arguments.objectValue != nil else { return [] }
                calls.append(ParsedToolCalls.Call(name: name, arguments: arguments.compactText()))
            }
        }
        return calls
    }

    private static func trimmed(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }
}
