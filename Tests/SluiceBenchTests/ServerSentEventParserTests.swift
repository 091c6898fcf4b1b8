import SluiceBench
import Testing

@Suite("Server-sent event parsing")
struct ServerSentEventParserTests {
    let stream = "data: {\"a\":1}\n\n: a comment\nevent: x\ndata: {\"b\":2}\r\n\r\ndata: [DONE]\n\n"

    @Test("events come out whole however the bytes are cut", arguments: [1, 2, 3, 7, 1000])
    func anyCut(size: Int) {
        var parser = ServerSentEventParser()
        let bytes = Array(stream.utf8)
        var events: [String] = []
        for start in stride(from: 0, to: bytes.count, by: size) {
            events += parser.feed(bytes[start..<min(start + size, bytes.count)])
        }
        #expect(events == [#"{"a":1}"#, #"{"b":2}"#, "[DONE]"])
    }

    @Test("several data lines join with a newline; a space after the colon is optional")
    func multiLine() {
        var parser = ServerSentEventParser()
        #expect(parser.feed(Array("data:one\ndata: two\n\n".utf8)) == ["one\ntwo"])
        #expect(parser.feed(Array("data: unfinished".utf8)).isEmpty)
    }
}
