import Testing
@testable import SluiceServer

@Suite("Server configuration")
struct ServerConfigurationTests {
    @Test("the default model name is the file name without its extension")
    func defaultModelName() {
        #expect(ServerConfiguration.defaultModelName(forModelAt: "/m/SmolLM2-135M-Instruct.Q4_1.gguf") == "SmolLM2-135M-Instruct.Q4_1")
    }

    @Test("the defaults are vLLM's: 127.0.0.1:8000, no key, a 32 MiB body limit")
    func defaults() {
        let configuration = ServerConfiguration(servedModelName: "m")
        #expect(configuration.host == "127.0.0.1" && configuration.port == 8000)
        #expect(configuration.apiKey == nil && configuration.maxBodySize == 32 << 20)
    }

    @Test("the hostile-client limits default on: a 5 s idle timeout, 256 prompts, 2048 messages, no control tokens in content")
    func limits() {
        let configuration = ServerConfiguration(servedModelName: "m")
        #expect(configuration.idleTimeout == 5)
        #expect(configuration.maxPromptsPerRequest == 256 && configuration.maxMessagesPerChat == 2048)
        #expect(!configuration.allowSpecialTokensInContent)
    }

    @Test("the soft open-file limit is raised, never lowered, and the connection cap leaves descriptors free")
    func openFileLimit() {
        let first = OpenFileLimit.raiseSoftLimit()
        #expect(OpenFileLimit.raiseSoftLimit() >= first)
        #expect(OpenFileLimit.maxConnections(softLimit: 1024) == 1024 - OpenFileLimit.reserved)
        #expect(OpenFileLimit.maxConnections(softLimit: 10) >= 1)
    }
}
