import Foundation
import SluiceTokenizer
import Testing
@testable import SluiceEngine

@Suite("Stop checker: every stop rule of a request in one place")
struct StopCheckerTests {
    /// Feeds `text`'s tokens one by one through a decoder and the checker's string rule, as the
    /// output processor does; returns every release, and the stop string if one matched.
    static func feed(_ text: String, stop: [String], include: Bool = false) -> (releases: [String], stop: String?) {
        var params = SamplingParams()
        params.stop = stop
        params.includeStopStringInOutput = include
        var checker = StopChecker(params: params, eosTokenIDs: [])
        var decoder = IncrementalDecoder(tokenizer: DefaultModelFixture.tokenizer, skipSpecialTokens: true)
        var releases: [String] = []
        for token in DefaultModelFixture.tokenizer.encode(text, addSpecialTokens: false, parseSpecial: false) {
            let (released, matched) = checker.checkText(decoder.add(token))
            releases.append(released)
            if let matched { return (releases, matched) }
        }
        releases.append(checker.flushText(decoder.flush()))
        return (releases, nil)
    }

    /// A stop as "reason stop-reason", or nil when the request goes on.
    static func reason(_ stop: (FinishReason, StopReason?)?) -> String? {
        stop.map { "\($0.0) \($0.1.map(\.description) ?? "nil")" }
    }

    static func params(maxTokens: Int = 10, minTokens: Int = 0, ignoreEOS: Bool = false,
                       stopTokenIDs: [Int] = []) -> SamplingParams {
        var params = SamplingParams(temperature: 0, maxTokens: maxTokens)
        params.minTokens = minTokens
        params.ignoreEOS = ignoreEOS
        params.stopTokenIDs = stopTokenIDs
        return params
    }

    @Test("max_tokens and the context end with length, checked before EOS, as vLLM's check_stop")
    func lengthFirst() {
        let checker = StopChecker(params: Self.params(maxTokens: 3), eosTokenIDs: [2], maxModelLength: 50)
        #expect(checker.check(tokenID: 7, numOutputTokens: 2, numTokens: 12) == nil)
        #expect(Self.reason(checker.check(tokenID: 2, numOutputTokens: 3, numTokens: 13)) == "length nil")
        #expect(Self.reason(checker.check(tokenID: 7, numOutputTokens: 1, numTokens: 50)) == "length nil")
        #expect(Self.reason(checker.check(tokenID: 2, numOutputTokens: 1, numTokens: 11)) == "stop nil")
    }

    @Test("stop token ids stop with their id even under ignore_eos, which only silences EOS")
    func stopTokensAndIgnoreEOS() {
        let checker = StopChecker(params: Self.params(ignoreEOS: true, stopTokenIDs: [9]), eosTokenIDs: [2])
        #expect(checker.check(tokenID: 2, numOutputTokens: 1, numTokens: 5) == nil)
        #expect(Self.reason(checker.check(tokenID: 9, numOutputTokens: 1, numTokens: 5)) == "stop 9")
        #expect(checker.minTokensBannedIDs == [9])
    }

    @Test("before min_tokens no stop token counts, and the sampler is told to ban exactly those tokens")
    func minTokens() {
        let checker = StopChecker(params: Self.params(minTokens: 3, stopTokenIDs: [9]), eosTokenIDs: [2, 1])
        #expect(checker.check(tokenID: 2, numOutputTokens: 2, numTokens: 5) == nil)
        #expect(checker.check(tokenID: 9, numOutputTokens: 2, numTokens: 5) == nil)
        #expect(Self.reason(checker.check(tokenID: 2, numOutputTokens: 3, numTokens: 6)) == "stop nil")
        #expect(checker.minTokensBannedIDs == [9, 1, 2])
        #expect(checker.bansStopTokens(numOutputTokens: 2))
        #expect(!checker.bansStopTokens(numOutputTokens: 3))
        // The sampler's ban comes from the same checker: below min_tokens the stop tokens never win.
        var sampler = Sampler(params: Self.params(minTokens: 3, stopTokenIDs: [9]), stops: checker)
        var logits = [Float](repeating: 0, count: 12)
        logits[9] = 50
        logits[2] = 40
        logits[5] = 1
        let early = logits.withUnsafeBufferPointer {
            sampler.sample(logits: $0, promptTokenIDs: [4], outputTokenIDs: [5, 5]).tokenID
        }
        let late = logits.withUnsafeBufferPointer {
            sampler.sample(logits: $0, promptTokenIDs: [4], outputTokenIDs: [5, 5, 5]).tokenID
        }
        #expect(early == 5)
        #expect(late == 9)
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
