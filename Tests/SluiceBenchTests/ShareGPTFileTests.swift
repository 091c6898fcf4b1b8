import Foundation
import SluiceBench
import Testing

@Suite("ShareGPT files cut off part-way")
struct ShareGPTFileTests {
    @Test("a truncated file reads as its complete records, skipping brackets and quotes inside strings")
    func truncatedFixture() throws {
        let file = try ShareGPTFile(path: Fixtures.path("sharegpt_truncated", "json"))
        #expect(file.isTruncated)
        #expect(file.count == 5)
        let first = try file.turns(at: 0)
        #expect(first.map(\.from) == ["human", "gpt"])
        #expect(first[0].value.contains("a quote \" too"))
        #expect(first[1].value.contains(#"\\ before a quote"#))
        #expect(try file.turns(at: 3)[0].value.contains("café — 河"))
        #expect(try file.turns(at: 4).count == 1)
    }

    @Test("a complete file reads whole and is not truncated")
    func completeFile() throws {
        let text = #"[{"conversations": [{"from": "human", "value": "}"}]}, {"conversations": []}]"#
        let file = try ShareGPTFile(data: Data(text.utf8))
        #expect(!file.isTruncated)
        #expect(file.count == 2)
        #expect(try file.turns(at: 0) == [ShareGPTFile.Turn(from: "human", value: "}")])
    }

    @Test("a cut right after a record or its comma keeps every record before it", arguments: [
        #"[{"conversations": []}"#, #"[{"conversations": []},"#, #"[{"conversations": []}, {"conv"#, "[",
    ])
    func cutsBetweenRecords(text: String) throws {
        let file = try ShareGPTFile(data: Data(text.utf8))
        #expect(file.isTruncated)
        #expect(file.count == (text == "[" ? 0 : 1))
    }

    @Test("a slice of a larger buffer reads the same records")
    func slicedData() throws {
        let bytes = Data("xx".utf8) + Data(#"[{"conversations": [{"from": "gpt", "value": "v"}]}]"#.utf8)
        let file = try ShareGPTFile(data: bytes.dropFirst(2))
        #expect(try file.turns(at: 0) == [ShareGPTFile.Turn(from: "gpt", value: "v")])
    }

    @Test("a file that is not a JSON array is refused with a clear message")
    func notAnArray() {
        #expect(throws: BenchError.malformedDataset(
            "a ShareGPT file is a JSON array of conversations, but this one does not start with '['")) {
            try ShareGPTFile(data: Data(#"{"conversations": []}"#.utf8))
        }
        #expect(throws: BenchError.self) { try ShareGPTFile(path: "/nonexistent/sharegpt.json") }
    }
}
