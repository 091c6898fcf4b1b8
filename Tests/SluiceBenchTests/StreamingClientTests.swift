@testable import SluiceBench
import Testing

@Suite("The streaming client's error messages")
struct StreamingClientTests {
    @Test("an error body gives its message; another body is cut short")
    func errorBodies() {
        #expect(StreamingClient.errorMessage(inBody: #"{"error":{"message":"queue full","type":"x"}}"#) == "queue full")
        #expect(StreamingClient.errorMessage(inBody: #"{"object":"error","message":"bad model"}"#) == "bad model")
        #expect(StreamingClient.errorMessage(inBody: "") == "(empty body)")
        #expect(StreamingClient.errorMessage(inBody: String(repeating: "x", count: 1000)).count == 300)
    }
}
