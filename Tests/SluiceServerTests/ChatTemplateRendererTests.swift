import Testing
@testable import SluiceServer

@Suite("ChatML renderer")
struct ChatTemplateRendererTests {
    @Test("each message becomes a ChatML turn, and the generation prompt opens the assistant's turn")
    func chatML() {
        let messages = [ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: "Hi")]
        let renderer = ChatMLRenderer()
        #expect(renderer.render(messages: messages, addGenerationPrompt: true)
            == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        #expect(renderer.render(messages: messages, addGenerationPrompt: false)
            == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n")
    }

}
