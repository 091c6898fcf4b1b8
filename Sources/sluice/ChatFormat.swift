/// The chat formats `sluice generate --chat` recognizes in a model's `tokenizer.chat_template`, until the
/// Jinja interpreter of the server issue renders templates themselves.
enum ChatFormat {
    /// `<|im_start|>role\n...<|im_end|>`: SmolLM2, Qwen2 and other ChatML models.
    case chatML(defaultSystem: String?)
    /// `<|start_header_id|>role<|end_header_id|>\n\n...<|eot_id|>`: Llama 3.
    case llama3
    /// No template we know: the prompt is used as is.
    case plain

    init(template: String?) {
        guard let template else { self = .plain; return }
        if template.contains("<|im_start|>") {
            self = .chatML(defaultSystem: Self.defaultSystemMessage(in: template))
        } else if template.contains("<|start_header_id|>") {
            self = .llama3
        } else {
            self = .plain
        }
    }

    /// Templates such as SmolLM2's insert a system message when the conversation has none.
    private static func defaultSystemMessage(in template: String) -> String? {
        let marker = "<|im_start|>system\n"
        guard let start = template.range(of: marker),
              let end = template.range(of: "<|im_end|>", range: start.upperBound..<template.endIndex)
        else { return nil }
        let text = String(template[start.upperBound..<end.lowerBound])
        return text.contains("{") || text.contains("'") ? nil : text
    }

    func render(userMessage: String) -> String {
        switch self {
        case .chatML(let system):
            let systemTurn = system.map { "<|im_start|>system\n\($0)<|im_end|>\n" } ?? ""
            return systemTurn + "<|im_start|>user\n\(userMessage)<|im_end|>\n<|im_start|>assistant\n"
        case .llama3:
            return "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n\(userMessage)<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
        case .plain:
            return userMessage
        }
    }
}
