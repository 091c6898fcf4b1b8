/// A rendered conversation with the spans of its messages' text, so that the text can be
/// tokenized without control-token parsing while the template's markup keeps its control tokens.
public struct RenderedChat: Sendable, Equatable {
    /// The prompt text.
    public var text: String
    /// Where each message's text lies in `text`, as offsets into `text.utf8`.
    public var contentRanges: [Range<Int>]
    /// Whether `text` is exactly what the template renders. False when the template changes a
    /// message's text (trims it, cuts reasoning out of it …): `text` then has the messages'
    /// text where the template placed it, unchanged.
    public var isExact: Bool
}

extension ChatTemplateRenderer {
    /// Renders `messages` and finds their text in the result, by rendering a second time with
    /// each message's text replaced by a marker no client can guess and putting the text back
    /// where the markers landed.
    ///
    /// The markers show where the template put each message whatever its markup looks like; a
    /// template that repeats a message gets every copy marked. When the text put back differs
    /// from the template's own rendering (the template changed the text), ``RenderedChat/isExact``
    /// is false and the text put back is returned, unchanged by the template.
    public func renderWithContentSpans(
        messages: [ChatMessage], addGenerationPrompt: Bool, toolsJSON: String? = nil
    ) throws -> RenderedChat {
        let exact = try render(messages: messages, addGenerationPrompt: addGenerationPrompt, toolsJSON: toolsJSON)
        let nonce = String(UInt64.random(in: .min ... .max), radix: 36)
        let prefix = "\u{E000}\(nonce)#"
        var masked = messages
        for index in masked.indices where !masked[index].content.isEmpty {
            masked[index].content = "\(prefix)\(index)\u{E001}"
        }
        let template = try render(messages: masked, addGenerationPrompt: addGenerationPrompt, toolsJSON: toolsJSON)

        var text = ""
        text.reserveCapacity(exact.utf8.count)
        var ranges: [Range<Int>] = []
        var rest = Substring(template)
        while let markerStart = rest.range(of: prefix) {
            text += rest[..<markerStart.lowerBound]
            let afterPrefix = rest[markerStart.upperBound...]
            guard let close = afterPrefix.firstIndex(of: "\u{E001}"),
                  let index = Int(afterPrefix[..<close]), messages.indices.contains(index)
            else {
                // Not a whole marker (the template cut one); keep it as text, which no client wrote.
                text += rest[markerStart]
                rest = afterPrefix
                continue
            }
            let start = text.utf8.count
            text += messages[index].content
            ranges.append(start..<text.utf8.count)
            rest = afterPrefix[afterPrefix.index(after: close)...]
        }
        text += rest
        return RenderedChat(text: text, contentRanges: ranges, isExact: text == exact)
    }
}
