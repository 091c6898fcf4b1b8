import Foundation
import Testing
@testable import SluiceEngine

@Suite("Sampler")
struct SamplerTests {
    /// Logits whose softmax at temperature 1 is `probabilities`.
    static func logits(_ probabilities: [Float]) -> [Float] { probabilities.map { log($0) } }

    static func draws(_ params: SamplingParams, _ logits: [Float], count: Int) -> [Int] {
        var sampler = Sampler(params: params)
        return logits.withUnsafeBufferPointer { row in (0..<count).map { _ in sampler.sample(logits: row) } }
    }

    /// Sampling parameters built from the defaults by `configure`.
    static func makeParams(
        temperature: Float = 1, seed: UInt64? = 11, _ configure: (inout SamplingParams) -> Void = { _ in }
    ) -> SamplingParams {
        var params = SamplingParams(temperature: temperature, seed: seed)
        configure(&params)
        return params
    }

    /// `count` samples of `row` through the full form, with the same history every time.
    static func samples(
        _ params: SamplingParams, _ row: [Float], prompt: [Int] = [], output: [Int] = [], eos: Set<Int> = [],
        count: Int = 1
    ) -> [SampledToken] {
        var sampler = Sampler(params: params, eosTokenIDs: eos)
        return row.withUnsafeBufferPointer { row in
            (0..<count).map { _ in sampler.sample(logits: row, promptTokenIDs: prompt[...], outputTokenIDs: output[...]) }
        }
    }

    static func greedyPick(
        _ params: SamplingParams, _ row: [Float], prompt: [Int] = [], output: [Int] = [], eos: Set<Int> = []
    ) -> Int {
        samples(params, row, prompt: prompt, output: output, eos: eos)[0].tokenID
    }

    static func drawnSet(
        _ params: SamplingParams, _ row: [Float], output: [Int] = [], eos: Set<Int> = [], count: Int = 400
    ) -> Set<Int> {
        Set(samples(params, row, output: output, eos: eos, count: count).map(\.tokenID))
    }

    /// log_softmax of `row` in Double, NaN as an impossible token.
    static func logSoftmax(_ row: [Float]) -> [Double] {
        let maxLogit = Double(row.filter { !$0.isNaN }.max()!)
        let total = row.reduce(0.0) { $1.isNaN ? $0 : $0 + exp(Double($1) - maxLogit) }
        return row.map { $0.isNaN ? -.infinity : Double($0) - maxLogit - log(total) }
    }

    // MARK: - Greedy, temperature, top-k and top-p

    @Test("temperature 0, and temperatures too small to divide by, pick the argmax")
    func greedy() {
        let row: [Float] = [0.1, 2.5, -1, 2.4]
        for temperature: Float in [0, 1e-38, 1e-6] {
            #expect(Self.draws(SamplingParams(temperature: temperature), row, count: 20) == [Int](repeating: 1, count: 20))
        }
    }

    @Test("argmax, eight lanes at a time, agrees with a plain scan on every length and tail")
    func argmaxMatchesScan() {
        var random = TestRandom(seed: 4)
        for count in Array(0...40) + [1_000, 4_097] {
            for _ in 0..<4 {
                // Few distinct values, so ties are common; NaN and -inf sprinkled in.
                let row = (0..<count).map { _ -> Float in
                    switch Int.random(in: 0..<10, using: &random) {
                    case 0: .nan
                    case 1: -.infinity
                    default: Float(Int.random(in: -3...3, using: &random))
                    }
                }
                var expected = 0
                for (i, value) in row.enumerated() where value > (row[expected].isNaN ? -.infinity : row[expected]) {
                    expected = i
                }
                #expect(row.withUnsafeBufferPointer(Sampler.argmax) == expected, "\(row)")
            }
        }
        for row: [Float] in [[.nan, .nan], [-.infinity, .nan, -.infinity], [.nan, -.infinity, 2, .infinity, .infinity]] {
            #expect(row.withUnsafeBufferPointer(Sampler.argmax) == (row.contains(.infinity) ? 3 : 0))
        }
    }

    @Test("the same seed gives the same draws, another seed other draws")
    func seeded() {
        let row = Self.logits([0.25, 0.25, 0.25, 0.25])
        let a = Self.draws(SamplingParams(seed: 7), row, count: 64)
        #expect(a == Self.draws(SamplingParams(seed: 7), row, count: 64))
        #expect(a != Self.draws(SamplingParams(seed: 8), row, count: 64))
    }

    @Test("draws at temperature 1 follow the softmax")
    func distribution() {
        let probabilities: [Float] = [0.5, 0.3, 0.15, 0.05]
        let samples = Self.draws(SamplingParams(seed: 1), Self.logits(probabilities), count: 20_000)
        for (token, p) in probabilities.enumerated() {
            let frequency = Float(samples.filter { $0 == token }.count) / Float(samples.count)
            #expect(abs(frequency - p) < 0.015, "token \(token): \(frequency) against \(p)")
        }
    }

    @Test("top-k keeps the k likeliest tokens and top-p cuts the renormalised top-k mass")
    func topKAndTopP() {
        let row = Self.logits([0.5, 0.3, 0.2])
        #expect(Set(Self.draws(SamplingParams(topK: 1, seed: 3), row, count: 200)) == [0])
        #expect(Set(Self.draws(SamplingParams(topK: 2, seed: 3), row, count: 500)) == [0, 1])
        // Over the top-2 mass (0.8), token 0 alone holds 0.625 >= 0.6: vLLM keeps only it.
        #expect(Set(Self.draws(SamplingParams(topP: 0.6, topK: 2, seed: 3), row, count: 200)) == [0])
        #expect(Set(Self.draws(SamplingParams(topP: 0.75, seed: 3), row, count: 500)) == [0, 1])
    }

    @Test("a NaN logit is never drawn and does not break the draw")
    func nanLogits() {
        let row: [Float] = [.nan, 0, 0, .nan]
        #expect(Set(Self.draws(SamplingParams(seed: 5), row, count: 300)) == [1, 2])
    }

    @Test("NaN logits are never drawn under top-k, top-p or min_p either")
    func nanLogitsUnderFilters() {
        let row: [Float] = [.nan, 1, .nan, 0.5, .nan, 0.2, .nan]
        #expect(Self.drawnSet(SamplingParams(topK: 5, seed: 2), row) == [1, 3, 5])
        #expect(Self.drawnSet(SamplingParams(topP: 0.999, seed: 2), row) == [1, 3, 5])
        #expect(Self.drawnSet(Self.makeParams { $0.minP = 0.01 }, row) == [1, 3, 5])
    }

    @Test("a row with no possible token still answers, and still spends exactly one draw")
    func impossibleRow() {
        let impossible: [Float] = [.nan, -.infinity, .nan]
        let row = Self.logits([0.4, 0.3, 0.2, 0.1])
        for params in [SamplingParams(seed: 9), SamplingParams(topP: 0.9, topK: 3, seed: 9)] {
            var withImpossible = Sampler(params: params)
            var plain = Sampler(params: params)
            let first = impossible.withUnsafeBufferPointer { withImpossible.sample(logits: $0) }
            #expect((0..<3).contains(first))
            row.withUnsafeBufferPointer { row in
                _ = plain.sample(logits: row)
                let after = (0..<50).map { _ in withImpossible.sample(logits: row) }
                #expect(after == (0..<50).map { _ in plain.sample(logits: row) })
            }
        }
    }

    @Test("top-k and top-p pick what a full sort of the row would, draw for draw")
    func partialSelectionMatchesFullSort() {
        var random = TestRandom(seed: 42)
        for trial in 0..<60 {
            let vocabularySize = Int.random(in: 1_000...4_000, using: &random)
            let scale = Float.random(in: 0.5...12, using: &random)
            // Every third row is coarse, so many tokens tie and the lower-id rule decides.
            let step: Float? = trial % 3 == 0 ? 0.5 : nil
            var row = (0..<vocabularySize).map { _ -> Float in
                let logit = Float.random(in: -1...1, using: &random) * scale
                return step.map { (logit / $0).rounded() * $0 } ?? logit
            }
            for _ in 0..<Int.random(in: 0...5, using: &random) {
                row[Int.random(in: 0..<vocabularySize, using: &random)] = Bool.random(using: &random) ? .nan : -.infinity
            }
            var params = SamplingParams(temperature: Float.random(in: 0.3...2, using: &random), seed: UInt64(trial))
            switch trial % 4 {
            case 0: params.topK = Int.random(in: 1...64, using: &random)
            case 1: params.topP = Float.random(in: 0.05...0.999, using: &random)
            case 2:
                params.topK = Int.random(in: 1...vocabularySize, using: &random)
                params.topP = Float.random(in: 0.05...1, using: &random)
            default:
                params.topP = Float.random(in: 0.5...0.99, using: &random)
                params.minP = Float.random(in: 0...0.3, using: &random)
            }
            var sampler = Sampler(params: params)
            var reference = SeededGenerator(seed: UInt64(trial))
            row.withUnsafeBufferPointer { logits in
                for draw in 0..<8 {
                    let token = sampler.sample(logits: logits)
                    let expected = Self.referenceDraw(row, params: params, uniform: reference.nextUnitFloat())
                    #expect(token == expected, "trial \(trial), draw \(draw), \(params)")
                }
            }
        }
    }

    /// The sampler's specification with a full sort: softmax at the temperature (with the sampler's
    /// own exp and sum, which `fastExpMatchesLibm` checks), candidates by
    /// falling probability (lower id on ties), top-k, top-p over the top-k mass, min_p, then the draw
    /// walks the candidates (index order when nothing filters) until `uniform` of their mass is spent.
    static func referenceDraw(_ row: [Float], params: SamplingParams, uniform: Float) -> Int {
        let maxLogit = row.filter { !$0.isNaN }.max()!
        let p = row.map { Sampler.exp(nonPositive: ($0 - maxLogit) * (1 / params.temperature)) }
        let total = p.withUnsafeBufferPointer(Sampler.sum)
        var candidates = Array(p.indices)
        let topK = params.topK > 0 && params.topK < row.count
        if topK || params.topP < 1 {
            candidates.sort { p[$0] > p[$1] || (p[$0] == p[$1] && $0 < $1) }
            var mass = total
            if topK {
                candidates = Array(candidates.prefix(params.topK))
                mass = candidates.reduce(0.0) { $0 + Double(p[$1]) }
            }
            if params.topP < 1 {
                var cumulative = 0.0
                for (rank, token) in candidates.enumerated() {
                    cumulative += Double(p[token])
                    if cumulative >= Double(params.topP) * mass {
                        candidates = Array(candidates.prefix(rank + 1))
                        break
                    }
                }
            }
        }
        if params.minP > 0 {
            let best = candidates.max { p[$0] < p[$1] }!
            candidates = candidates.filter { p[$0] >= params.minP * p[best] }
        }
        var target = Double(uniform) * candidates.reduce(0.0) { $0 + Double(p[$1]) }
        var lastPossible = candidates[0]
        for token in candidates where p[token] > 0 {
            if target < Double(p[token]) { return token }
            target -= Double(p[token])
            lastPossible = token
        }
        return lastPossible
    }

    @Test("the sampler's exp agrees with libm's expf to a few ulp, and is 0 for NaN, -inf and below -87")
    func fastExpMatchesLibm() {
        var random = TestRandom(seed: 8)
        let edges: [Float] = [0, -0.0, -Float.ulpOfOne, -0.346_573_6, -0.346_573_7, -1, -10, -86.99, -87]
        for x in edges + (0..<20_000).map({ _ in -Float.random(in: 0...87, using: &random) }) {
            let expected = expf(x)
            #expect(abs(Sampler.exp(nonPositive: x) - expected) <= 4 * expected.ulp, "exp(\(x))")
        }
        for x: Float in [-87.01, -100, -.infinity, .nan, -.greatestFiniteMagnitude] {
            #expect(Sampler.exp(nonPositive: x) == 0, "exp(\(x))")
        }
        #expect(Sampler.exp(nonPositive: 0) == 1)
    }

    @Test("the four-way sum agrees with a plain sum, tails included")
    func sumMatchesPlainSum() {
        var random = TestRandom(seed: 9)
        for count in [0, 1, 3, 4, 5, 7, 1_001] {
            let values = (0..<count).map { _ in Float.random(in: 0...1, using: &random) }
            let plain = values.reduce(0.0) { $0 + Double($1) }
            #expect(abs(values.withUnsafeBufferPointer(Sampler.sum) - plain) < 1e-9)
        }
    }

    // MARK: - min_p

    @Test("min_p drops tokens below min_p times the likeliest one's probability")
    func minP() {
        let row = Self.logits([0.5, 0.3, 0.15, 0.05])
        // Thresholds 0.1 and 0.25 of probability.
        #expect(Self.drawnSet(Self.makeParams { $0.minP = 0.2 }, row, count: 2_000) == [0, 1, 2])
        #expect(Self.drawnSet(Self.makeParams { $0.minP = 0.5 }, row, count: 2_000) == [0, 1])
        #expect(Self.drawnSet(Self.makeParams { $0.minP = 1 }, row) == [0])
        #expect(Self.drawnSet(Self.makeParams { $0.minP = 0 }, row, count: 2_000) == [0, 1, 2, 3])
    }

    @Test("min_p applies after top-p, to the tokens top-p kept")
    func minPAfterTopP() {
        let row = Self.logits([0.5, 0.3, 0.2])
        // top-p 0.6 of the whole mass keeps {0, 1}, and min_p 0.5 (p >= 0.25) keeps both. Had min_p
        // gone first, top-p would cut its renormalised {0, 1} (0.5 / 0.8 >= 0.6) down to {0}.
        let params = Self.makeParams { $0.topP = 0.6; $0.minP = 0.5 }
        #expect(Self.drawnSet(params, row, count: 1_000) == [0, 1])
    }

    // MARK: - Logit bias and min_tokens

    @Test("a logit bias of +100 forces a token and -100 bans it, greedy or drawn")
    func logitBias() {
        let row: [Float] = [3, -2, 1.5, 0.5, 2.8, -4]
        #expect(Self.greedyPick(Self.makeParams(temperature: 0) { $0.logitBias = [5: 100] }, row) == 5)
        #expect(Self.drawnSet(Self.makeParams { $0.logitBias = [5: 100] }, row) == [5])
        #expect(Self.greedyPick(Self.makeParams(temperature: 0) { $0.logitBias = [0: -100] }, row) == 4)
        #expect(!Self.drawnSet(Self.makeParams { $0.logitBias = [0: -100] }, row, count: 2_000).contains(0))
    }

    @Test("min_tokens bans EOS and the stop ids until enough tokens are out, and not after")
    func minTokens() {
        let row: [Float] = [0, 1, 2, 5, 3, 4]
        let params = Self.makeParams(temperature: 0) { $0.minTokens = 2; $0.stopTokenIDs = [5] }
        #expect(Self.greedyPick(params, row, output: [], eos: [3]) == 4)
        #expect(Self.greedyPick(params, row, output: [1], eos: [3]) == 4)
        #expect(Self.greedyPick(params, row, output: [1, 1], eos: [3]) == 3)
        let drawn = Self.makeParams { $0.minTokens = 2; $0.stopTokenIDs = [5] }
        #expect(Self.drawnSet(drawn, row, output: [0], eos: [3]).isDisjoint(with: [3, 5]))
        #expect(Self.drawnSet(drawn, row, output: [0, 0], eos: [3], count: 2_000).isSuperset(of: [3, 5]))
    }

    @Test("ignore_eos leaves EOS allowed under min_tokens but still bans the stop ids")
    func ignoreEOS() {
        let params = Self.makeParams(temperature: 0) { $0.minTokens = 3; $0.stopTokenIDs = [2]; $0.ignoreEOS = true }
        #expect(Self.greedyPick(params, [0, 1, 2, 5, 3], output: [], eos: [3]) == 3)
        #expect(Self.greedyPick(params, [0, 1, 9, 5, 3], output: [], eos: [3]) == 3)
    }

    // MARK: - Penalties

    @Test("the repetition penalty divides a positive logit and multiplies a negative one")
    func repetitionPenalty() {
        let penalised = Self.makeParams(temperature: 0) { $0.repetitionPenalty = 1.1 }
        // 2.0 / 1.1 = 1.82 falls below 1.9; seen in the prompt or the output counts the same.
        #expect(Self.greedyPick(Self.makeParams(temperature: 0), [2.0, 1.9, -3]) == 0)
        #expect(Self.greedyPick(penalised, [2.0, 1.9, -3], prompt: [0]) == 1)
        #expect(Self.greedyPick(penalised, [2.0, 1.9, -3], output: [0]) == 1)
        // -1.0 × 1.1 = -1.1 falls below -1.05.
        #expect(Self.greedyPick(penalised, [-1.0, -1.05, -3], output: [0]) == 1)
        #expect(Self.greedyPick(penalised, [-1.0, -1.05, -3], prompt: [2, 0]) == 1)
        // Below 1 it encourages: 1.9 / 0.9 = 2.11 beats 2.0.
        #expect(Self.greedyPick(Self.makeParams(temperature: 0) { $0.repetitionPenalty = 0.9 }, [2.0, 1.9], prompt: [1]) == 1)
    }

    @Test("the repetition penalty applies once per token, however often it was seen")
    func repetitionPenaltyOnce() {
        let penalised = Self.makeParams(temperature: 0) { $0.repetitionPenalty = 1.1 }
        // Once: 2.0 / 1.1 = 1.82 still beats 1.7; twice would give 1.65.
        #expect(Self.greedyPick(penalised, [2.0, 1.7], prompt: [0, 0, 0], output: [0, 0]) == 0)
        #expect(Self.greedyPick(penalised, [-1.0, -1.15], prompt: [0, 0], output: [0]) == 0)
    }

    @Test("the frequency penalty subtracts once per generated copy and presence once per token")
    func frequencyAndPresence() {
        let half: Float = 0.5
        func winner(frequency: Float, presence: Float, output: [Int], rival: Float) -> Int {
            Self.greedyPick(Self.makeParams(temperature: 0) { $0.frequencyPenalty = frequency; $0.presencePenalty = presence },
                        [1.0, rival], prompt: [0, 0, 0], output: output)
        }
        // 1.0 - 2 × 0.25 is exactly 0.5: a tie goes to the lower id, one ulp more to the rival.
        #expect(winner(frequency: 0.25, presence: 0, output: [0, 0], rival: half) == 0)
        #expect(winner(frequency: 0.25, presence: 0, output: [0, 0], rival: half.nextUp) == 1)
        #expect(winner(frequency: 0.25, presence: 0, output: [0, 0], rival: half.nextDown) == 0)
        // Presence ignores the count: 1.0 - 0.5 whether generated once or three times.
        #expect(winner(frequency: 0, presence: 0.5, output: [0, 0, 0], rival: half) == 0)
        #expect(winner(frequency: 0, presence: 0.5, output: [0, 0, 0], rival: half.nextUp) == 1)
        // Both: 1.0 - 3 × 0.125 - 0.125 = 0.5.
        #expect(winner(frequency: 0.125, presence: 0.125, output: [0, 0, 0], rival: half) == 0)
        #expect(winner(frequency: 0.125, presence: 0.125, output: [0, 0, 0], rival: half.nextUp) == 1)
        // The prompt does not count, and negative penalties encourage.
        #expect(winner(frequency: 2, presence: 2, output: [1], rival: 0.9) == 0)
        #expect(winner(frequency: -0.25, presence: 0, output: [1], rival: 0.9) == 1)
    }

    @Test("a sampler reused across steps leaves no counts behind from earlier histories")
    func penaltiesDoNotLeak() {
        var sampler = Sampler(params: Self.makeParams(temperature: 0) {
            $0.repetitionPenalty = 2; $0.frequencyPenalty = 1; $0.presencePenalty = 1
        })
        let row: [Float] = [2.0, 1.5, 1.0]
        row.withUnsafeBufferPointer { row in
            #expect(sampler.sample(logits: row, promptTokenIDs: [0, 1], outputTokenIDs: [0, 0, 1]).tokenID == 2)
            #expect(sampler.sample(logits: row, promptTokenIDs: [], outputTokenIDs: []).tokenID == 0)
            #expect(sampler.sample(logits: row, promptTokenIDs: [5, -1], outputTokenIDs: [7]).tokenID == 0)
        }
        let penalties = sampler.processors.compactMap { $0 as? PenaltiesProcessor }
        #expect(penalties.count == 1)
        #expect(penalties.first?.outputCounts.allSatisfy { $0 == 0 } == true)
    }

    @Test("penalised seeded streams replay exactly")
    func seededWithPenalties() {
        func generate(seed: UInt64) -> [Int] {
            let params = Self.makeParams(seed: seed) {
                $0.topK = 20; $0.topP = 0.9; $0.repetitionPenalty = 1.3; $0.frequencyPenalty = 0.4
                $0.presencePenalty = 0.3; $0.logitBias = [3: 2]
            }
            var sampler = Sampler(params: params)
            let prompt = [1, 2, 3]
            var output: [Int] = []
            let row = (0..<64).map { Float(($0 * 37) % 11) * 0.3 }
            row.withUnsafeBufferPointer { row in
                for _ in 0..<40 {
                    output.append(sampler.sample(logits: row, promptTokenIDs: prompt[...], outputTokenIDs: output[...]).tokenID)
                }
            }
            return output
        }
        #expect(generate(seed: 3) == generate(seed: 3))
        #expect(generate(seed: 3) != generate(seed: 4))
    }

    // MARK: - Logprobs

    @Test("logprobs are the raw row's log_softmax, not the penalised or tempered row's")
    func rawLogprobs() {
        var random = TestRandom(seed: 5)
        let row = (0..<300).map { _ in Float.random(in: -6...6, using: &random) }
        let expected = Self.logSoftmax(row)
        let byRank = expected.indices.sorted { expected[$0] > expected[$1] }
        let params = Self.makeParams(temperature: 0.7) {
            $0.logprobs = 5; $0.topK = 50; $0.repetitionPenalty = 1.5; $0.frequencyPenalty = 1
            $0.logitBias = [byRank[0]: -100, byRank[299]: 30]
        }
        for sampled in Self.samples(params, row, prompt: [byRank[1]], output: [byRank[2], byRank[2]], count: 20) {
            #expect(sampled.tokenID != byRank[0])
            #expect(abs(Double(sampled.logprob!) - expected[sampled.tokenID]) < 1e-5)
            #expect(sampled.topLogprobs.map(\.tokenID) == Array(byRank.prefix(5)))
            for alternative in sampled.topLogprobs {
                #expect(abs(Double(alternative.logprob) - expected[alternative.tokenID]) < 1e-5)
            }
        }
    }

    @Test("greedy with logprobs 0 gives the picked token's logprob and no alternatives")
    func greedyLogprobsZero() {
        let row: [Float] = [0.5, 2, -1, 1]
        let sampled = Self.samples(Self.makeParams(temperature: 0) { $0.logprobs = 0 }, row)[0]
        #expect(sampled.tokenID == 1)
        #expect(sampled.topLogprobs.isEmpty)
        #expect(abs(Double(sampled.logprob!) - Self.logSoftmax(row)[1]) < 1e-6)
        #expect(Self.samples(Self.makeParams(temperature: 0), row)[0] == SampledToken(tokenID: 1))
    }

    @Test("top logprobs list ties by lower id, and the whole vocabulary when asked for more")
    func topLogprobsOrder() {
        let row: [Float] = [1, 3, 3, 0, 3]
        let sampled = Self.samples(Self.makeParams(temperature: 0) { $0.logprobs = 20 }, row)[0]
        #expect(sampled.topLogprobs.map(\.tokenID) == [1, 2, 4, 0, 3])
        let two = Self.samples(Self.makeParams(temperature: 0) { $0.logprobs = 2 }, row)[0]
        #expect(two.topLogprobs.map(\.tokenID) == [1, 2])
        #expect(sampled.topLogprobs[0].logprob == sampled.topLogprobs[2].logprob)
        let total = sampled.topLogprobs.reduce(0.0) { $0 + exp(Double($1.logprob)) }
        #expect(abs(total - 1) < 1e-6)
    }

    @Test("NaN logits get logprob -inf and come last in the top list")
    func nanLogprobs() {
        let row: [Float] = [.nan, 1, .nan, 2]
        let sampled = Self.samples(Self.makeParams { $0.logprobs = 3 }, row, count: 50)
        for token in sampled {
            #expect([1, 3].contains(token.tokenID))
            #expect(token.topLogprobs.map(\.tokenID) == [3, 1, 0])
            #expect(token.topLogprobs[2].logprob == -.infinity)
            #expect(abs(Double(token.topLogprobs[0].logprob) - Self.logSoftmax(row)[3]) < 1e-6)
        }
        let hopeless = Self.samples(Self.makeParams(temperature: 0) { $0.logprobs = 2 }, [.nan, .nan])[0]
        #expect(hopeless.logprob == -.infinity)
        #expect(hopeless.topLogprobs.map(\.tokenID) == [0, 1])
    }

    // MARK: - Validation

    @Test("invalid parameters are refused with the field named")
    func validation() {
        #expect(throws: SamplingError.self) { try SamplingParams(temperature: -1).validate() }
        #expect(throws: SamplingError.self) { try SamplingParams(topP: 0).validate() }
        #expect(throws: SamplingError.self) { try SamplingParams(maxTokens: 0).validate() }
        #expect(throws: Never.self) { try SamplingParams(temperature: 0.7, topP: 0.9, maxTokens: 5).validate() }
    }
}
