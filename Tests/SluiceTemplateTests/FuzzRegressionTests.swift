import Foundation
import Testing
import SluiceTemplate

/// The template fuzz target's committed inputs (Tests/Fuzz/template), replayed as the target runs them:
/// parsed, then rendered over a small conversation under tight limits.
@Suite("Template fuzz inputs")
struct TemplateFuzzRegressionTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/template")
    static let limits = RenderLimits(maxProducedBytes: 1 << 20, maxSteps: 50_000, maxCallDepth: 16)
    static let messages: [JinjaValue] = [
        .object(["role": "system", "content": "Be brief."]),
        .object(["role": "user", "content": "What is {{ 1 + 1 }}?"]),
        .object(["role": "assistant", "content": "2"]),
    ]

    static func render(_ source: String) throws -> String {
        let template = try ChatTemplate(source: source, bosToken: "<s>", eosToken: "</s>", limits: limits)
        return try template.render(messages: messages, addGenerationPrompt: true, now: Date(timeIntervalSince1970: 0))
    }

    @Test("every seed renders the conversation; every crash input fails with an error")
    func replay() throws {
        let inputs = try FileManager.default.contentsOfDirectory(at: Self.directory, includingPropertiesForKeys: nil)
        #expect(inputs.count >= 3)
        for url in inputs {
            let source = try String(contentsOf: url, encoding: .utf8)
            if url.lastPathComponent.hasPrefix("crash-") {
                #expect(throws: JinjaError.self, "\(url.lastPathComponent)") { try Self.render(source) }
            } else {
                let text = try Self.render(source)
                // The user's text is data: it appears as written, never evaluated.
                #expect(text.contains("What is {{ 1 + 1 }}?") || text.contains("\"What is {{ 1 + 1 }}?\""),
                        "\(url.lastPathComponent): \(text)")
            }
        }
    }

    /// Each prefix of a real template is a template cut inside a tag, a string or an expression: it either
    /// renders or fails with a `JinjaError` that says where, never traps.
    @Test("every prefix of a seed template parses or fails cleanly")
    func prefixes() throws {
        for name in ["smollm2.jinja", "features.jinja"] {
            let source = Array(try String(contentsOf: Self.directory.appendingPathComponent(name), encoding: .utf8))
            var failures = 0
            for length in 0...source.count {
                do { _ = try Self.render(String(source[0..<length])) } catch { failures += 1 }
            }
            #expect(failures > 0 && failures < source.count, "\(name): \(failures) of \(source.count + 1) prefixes failed")
        }
    }
}
