import Foundation

/// A model's chat template (GGUF `tokenizer.chat_template`), rendered with the variables and
/// helpers Hugging Face's `apply_chat_template` provides, so a conversation becomes the exact
/// prompt text the model was trained on.
public struct ChatTemplate: Sendable {
    /// The parsed template.
    public let template: JinjaTemplate
    /// The text of the model's beginning-of-sequence token, as templates print `bos_token`.
    public let bosToken: String
    /// The text of the model's end-of-sequence token (`eos_token`).
    public let eosToken: String
    /// Bounds on each render.
    public var limits: RenderLimits

    /// Parses `source`, failing with the line and column of the first syntax error.
    public init(source: String, bosToken: String, eosToken: String, limits: RenderLimits = .default) throws(JinjaError) {
        self.template = try JinjaTemplate(source)
        self.bosToken = bosToken
        self.eosToken = eosToken
        self.limits = limits
    }

    /// Renders `messages` (objects with `role` and `content`, plus `tool_calls` and the like)
    /// into a prompt.
    ///
    /// As in `apply_chat_template`, the template sees `messages`, `add_generation_prompt`,
    /// `bos_token`, `eos_token`, `tools` and `documents` (both none unless `extraContext` sets
    /// them), any other `extraContext` variables (`tools`, `date_string`, `enable_thinking`...),
    /// and the functions `raise_exception(message)`, which fails the render with
    /// `JinjaError.raised(message)`, and `strftime_now(format)`, which formats `now`.
    public func render(
        messages: [JinjaValue], addGenerationPrompt: Bool, extraContext: [String: JinjaValue] = [:], now: Date = Date()
    ) throws(JinjaError) -> String {
        var context: [String: JinjaValue] = [
            "messages": .array(messages),
            "add_generation_prompt": .bool(addGenerationPrompt),
            "bos_token": .string(bosToken),
            "eos_token": .string(eosToken),
            "tools": .null,
            "documents": .null,
        ]
        context.merge(extraContext) { _, extra in extra }
        let globals = ["raise_exception": Globals.raiseException, "strftime_now": Globals.strftimeNow(date: now)]
        return try template.render(context, globals: globals, limits: limits)
    }
}
