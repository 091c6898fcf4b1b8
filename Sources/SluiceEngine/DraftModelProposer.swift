import SluiceModel

/// Drafts from a smaller model sharing the target's vocabulary (vLLM's `draft_model`, llama.cpp's
/// `--model-draft`): the draft runs in the same engine, through the same backend seam as the target
/// (``ModelBackend/makeExecutor(for:limits:)``), over its own paged KV pool with its own block table
/// per request (a ``KVCacheManager`` of its own, prefix caching included).
///
/// One call proposes for every request that speculates this step, batched: one pass (more when the
/// catch-ups pass the token budget) runs each request's tokens the draft has not seen yet, whose last
/// row's argmax is the first draft token; then each further pass runs every request's latest draft
/// token, one per request. `k` drafts cost `k` passes of the draft, the first one wider.
///
/// The draft's KV is rolled back as the target's is: a request remembers how many of its tokens the
/// draft computed (``State/numComputedTokens``) and which draft tokens it wrote after them
/// (``State/pendingTokenIDs``). Next time, the written drafts the target accepted count as computed;
/// the first rejected one and everything after it are overwritten by the catch-up, and since only
/// known tokens are hashed, the draft's prefix cache never holds a rejected draft.
final class DraftModelProposer {
    /// The draft model's forward passes.
    let executor: any ModelExecutor
    /// The draft's KV blocks per request.
    private(set) var kvCacheManager: KVCacheManager
    /// The most tokens one pass carries.
    private let maxBatchTokens: Int
    /// The draft's context limit: drafts stop before it.
    private let maxModelLength: Int

    /// What the draft's KV holds for one request.
    struct State {
        /// Leading tokens of the request whose KV in the draft's pool is right.
        var numComputedTokens = 0
        /// Draft tokens whose KV was written at the positions after ``numComputedTokens``; they count
        /// as computed once the target has accepted them.
        var pendingTokenIDs: [Int] = []
    }
    private(set) var states: [RequestID: State] = [:]

    /// One request asking for drafts: its tokens so far and how many drafts it wants.
    struct Job {
        let requestID: RequestID
        let tokenIDs: [Int]
        let count: Int
    }

    /// A row of one pass: `count` tokens of a job from `startPosition`, which gives logits when `samples`.
    private struct Row {
        let job: Int
        let startPosition: Int
        let count: Int
        let samples: Bool
    }

    /// The pass being built, refilled in place.
    private var batch = ForwardBatch(tokenIDs: [], positions: [], slotMapping: [], sequenceIndices: [],
                                     blockTables: [], maxBlocksPerSequence: 0, logitIndices: [])

    /// A proposer over `model`, with a pool of `numBlocks` blocks of `blockSize` tokens, on the
    /// backend's workers of the `target` executor.
    init(model: any DecoderModel, backend: any ModelBackend, target: any ModelExecutor, numBlocks: Int, blockSize: Int,
         enablePrefixCaching: Bool, maxBatchTokens: Int, maxRequests: Int, maxModelLength: Int) throws(ModelError) {
        try backend.check(model)
        self.maxBatchTokens = maxBatchTokens
        self.maxModelLength = maxModelLength
        kvCacheManager = KVCacheManager(numBlocks: numBlocks, blockSize: blockSize, enablePrefixCaching: enablePrefixCaching,
                                        groupWindows: model.kvCacheLayout.groupWindows)
        executor = backend.makeExecutor(for: model, limits: ExecutorLimits(
            numBlocks: numBlocks, blockSize: blockSize, maxBatchTokens: maxBatchTokens,
            maxLogitRows: min(maxRequests, maxBatchTokens), maxModelLength: maxModelLength), sharingWorkersWith: target)
    }

    /// Greedy drafts for each job, by request: up to `count` tokens after its `tokenIDs`. A job whose
    /// blocks do not fit the draft's pool gets none (drafts never preempt anything).
    func propose(_ jobs: [Job]) throws(ModelError) -> [RequestID: [Int]] {
        var drafts: [RequestID: [Int]] = [:]
        var live: [Int] = []
        for (index, job) in jobs.enumerated() where prepare(job) { live.append(index) }
        guard !live.isEmpty else { return [:] }

        // Catch up: every token the draft has not computed, chunked by the token budget; each job's
        // last row gives its first draft token.
        var next = live.map { states[jobs[$0].requestID]!.numComputedTokens }
        var rows: [Row] = []
        while true {
            rows.removeAll(keepingCapacity: true)
            var budget = maxBatchTokens
            for (slot, index) in live.enumerated() where budget > 0 && next[slot] < jobs[index].tokenIDs.count {
                let remaining = jobs[index].tokenIDs.count - next[slot]
                let count = min(remaining, budget)
                rows.append(Row(job: index, startPosition: next[slot], count: count, samples: count == remaining))
                next[slot] += count
                budget -= count
            }
            guard !rows.isEmpty else { break }
            let logits = try run(rows, jobs: jobs) { job, position in jobs[job].tokenIDs[position] }
            appendArgmax(logits, rows: rows, jobs: jobs, to: &drafts)
        }
        for index in live {
            states[jobs[index].requestID]!.numComputedTokens = jobs[index].tokenIDs.count
        }

        // Then one token per job and pass: its latest draft, for the next.
        while true {
            rows.removeAll(keepingCapacity: true)
            for index in live {
                let job = jobs[index]
                let count = drafts[job.requestID]?.count ?? 0
                guard count > 0, count < job.count else { continue }
                rows.append(Row(job: index, startPosition: job.tokenIDs.count + count - 1, count: 1, samples: true))
            }
            guard !rows.isEmpty else { break }
            let logits = try run(rows, jobs: jobs) { job, position in
                drafts[jobs[job].requestID]![position - jobs[job].tokenIDs.count]
            }
            for row in rows { states[jobs[row.job].requestID]!.pendingTokenIDs.append(drafts[jobs[row.job].requestID]!.last!) }
            appendArgmax(logits, rows: rows, jobs: jobs, to: &drafts)
        }
        return drafts
    }

    /// Frees a request's draft blocks and forgets it (finished, aborted or preempted): a request
    /// that speculates again catches up from its prefix-cache hit.
    func free(_ requestID: RequestID) {
        states[requestID] = nil
        kvCacheManager.free(requestID: requestID)
    }

    /// Counts the accepted pending drafts as computed and allocates the job's slots: its tokens not
    /// yet computed, then its drafts but the last (whose KV is never needed). False when they do not fit.
    private func prepare(_ job: Job) -> Bool {
        let id = job.requestID
        let numTokens = job.tokenIDs.count
        guard job.count > 0, numTokens >= 1, numTokens + job.count - 1 <= maxModelLength else { return false }
        var state = states[id] ?? State()
        // Drafts the target accepted are now tokens of the request, their KV already right; the last
        // token always runs again, for the logits of the first draft.
        for token in state.pendingTokenIDs {
            guard state.numComputedTokens < numTokens - 1, job.tokenIDs[state.numComputedTokens] == token else { break }
            state.numComputedTokens += 1
        }
        state.pendingTokenIDs.removeAll()
        state.numComputedTokens = min(state.numComputedTokens, numTokens - 1)
        var hits = KVCacheBlocks.empty
        if states[id] == nil {
            let lookup = kvCacheManager.getComputedBlocks(requestID: id, tokenIDs: job.tokenIDs)
            hits = lookup.blocks
            state.numComputedTokens = lookup.numComputedTokens
        }
        let numComputedBefore = hits.isEmpty ? state.numComputedTokens : 0
        let numNewTokens = numTokens - state.numComputedTokens + job.count - 1
        guard kvCacheManager.allocateSlots(requestID: id, tokenIDs: job.tokenIDs, numComputedTokens: numComputedBefore,
                                           numNewTokens: numNewTokens, newComputedBlocks: hits) != nil
        else {
            if states[id] == nil { kvCacheManager.free(requestID: id) }
            return false
        }
        states[id] = state
        return true
    }

    /// Runs one pass over `rows`, the token at each position given by `token(job, position)`; returns
    /// `[rows that sample, vocabularySize]` logits in row order.
    private func run(_ rows: [Row], jobs: [Job], token: (Int, Int) -> Int) throws(ModelError) -> UnsafeBufferPointer<Float> {
        let blockSize = kvCacheManager.blockSize
        let tables = rows.map { kvCacheManager.blockTables(requestID: jobs[$0.job].requestID) }
        let width = tables.map { $0[0].count }.max() ?? 0
        batch.clear(maxBlocksPerSequence: width, numKVGroups: kvCacheManager.numGroups)
        for (sequence, row) in rows.enumerated() {
            let table = tables[sequence]
            batch.appendBlockTables(table)
            for position in row.startPosition..<(row.startPosition + row.count) {
                batch.appendToken(token(row.job, position), position: position, sequence: sequence, blockTables: table,
                                  blockSize: blockSize)
            }
            if row.samples { batch.logitIndices.append(Int32(batch.tokenIDs.count - 1)) }
        }
        return try executor.execute(batch)
    }

    /// Appends each sampling row's argmax to its job's drafts.
    private func appendArgmax(_ logits: UnsafeBufferPointer<Float>, rows: [Row], jobs: [Job], to drafts: inout [RequestID: [Int]]) {
        let vocabularySize = executor.vocabularySize
        var index = 0
        for row in rows where row.samples {
            let rowLogits = UnsafeBufferPointer(rebasing: logits[(index * vocabularySize)..<((index + 1) * vocabularySize)])
            drafts[jobs[row.job].requestID, default: []].append(Sampler.argmax(rowLogits))
            index += 1
        }
    }
}
