import Foundation
import SluiceTokenizer
import Testing
@testable import SluiceEngine

@Suite("Stop-string detector")
struct StopStringDetectorTests {
    /// Feeds `text`'s tokens one by one; returns every release, and the stop string if one matched.
    static func feed(_ text: String, stop: [String], include: Bool = false) -> (releases: [String], stop: String?) {
        var params = SamplingParams()
        params.stop = stop
        params.includeStopStringInOutput = include
        var detector = StopStringDetector(tokenizer: DefaultModelFixture.tokenizer, params: params)
        var releases: [String] = []
        for token in DefaultModelFixture.tokenizer.encode(text, addSpecialTokens: false, parseSpecial: false) {
            let (released, matched) = detector.add(token)
            releases.append(released)
            if let matched { return (releases, matched) }
        }
        releases.append(detector.flush())
        return (releases, nil)
    }

    @Test("the released text is always a prefix of the text before the first stop string")
    func neverReleasesPartOfAStop() {
        var generator = SeededGenerator(seed: 11)
        let words = ["the", " moon", " rises", ", and", " stars", " fall", " over", " café", " 東京", " 🙂", "\n", " end."]
        for _ in 0..<200 {
            let text = (0..<30).map { _ in words[Int(generator.next() % UInt64(words.count))] }.joined()
            let start = Int(generator.next() % UInt64(text.count - 6))
            let length = 1 + Int(generator.next() % 6)
            let stop = String(text.dropFirst(start).prefix(length))
            let cut = text.range(of: stop)!
            let (releases, matched) = Self.feed(text, stop: [stop])
            #expect(matched == stop)
            var released = ""
            for release in releases {
                released += release
                #expect(text[..<cut.lowerBound].hasPrefix(released), "released \(released.debugDescription) past the stop \(stop.debugDescription)")
            }
            #expect(released == String(text[..<cut.lowerBound]))
            let (included, _) = Self.feed(text, stop: [stop], include: true)
            #expect(included.joined() == String(text[..<cut.upperBound]))
        }
    }

    @Test("the leftmost of several stop strings wins")
    func leftmostStop() {
        let (releases, matched) = Self.feed("one two three four", stop: ["four", "two", "wo t"])
        #expect(matched == "two")
        #expect(releases.joined() == "one ")
    }

    @Test("text held back for a stop that never completes is released at the end")
    func heldBackReleased() {
        let (releases, matched) = Self.feed("the end is near", stop: ["nearby"])
        #expect(matched == nil)
        #expect(releases.joined() == "the end is near")
        #expect(!releases.dropLast().joined().hasSuffix("near"), "the possible start of the stop was held back")
    }

    @Test("without stop strings every token's text is released at once")
    func noStops() {
        let (releases, matched) = Self.feed("plain text here", stop: [])
        #expect(matched == nil)
        #expect(releases.dropLast().joined() == "plain text here")
    }
}
