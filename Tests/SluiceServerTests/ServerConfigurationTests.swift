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
}
