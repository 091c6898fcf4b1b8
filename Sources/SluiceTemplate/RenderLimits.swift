/// Bounds on one render, so a hostile or broken template (`--chat-template` comes from the command
/// line, and a model file can carry any template) fails with an error instead of hanging the
/// server or exhausting its memory.
///
/// The defaults are far above what real chat templates need: they render a conversation in a few
/// hundred loop iterations and produce about as much text as the conversation holds.
public struct RenderLimits: Sendable, Equatable {
    /// The most text a render may produce, in UTF-8 bytes, counting every string it builds along
    /// the way (captured blocks, concatenations, macro results) as well as the output.
    public var maxProducedBytes: Int
    /// The most loop iterations, calls and collection elements a render may process.
    public var maxSteps: Int
    /// The deepest macro calls may nest, which bounds recursion.
    public var maxCallDepth: Int

    /// Limits with the given bounds.
    public init(maxProducedBytes: Int = 64 << 20, maxSteps: Int = 2_000_000, maxCallDepth: Int = 64) {
        self.maxProducedBytes = maxProducedBytes
        self.maxSteps = maxSteps
        self.maxCallDepth = maxCallDepth
    }

    /// 64 MiB of text, two million steps and 64 nested macro calls.
    public static let `default` = RenderLimits()
}
