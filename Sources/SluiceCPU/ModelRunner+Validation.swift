import SluiceModel
extension ModelRunner {
    /// Rejects a batch the kernels could not run safely: wrong lengths, ids or slots out of range,
    /// or a block table that does not cover a token's context.
    func validate(_ batch: ForwardBatch) throws(ModelError) {
        let tokens = batch.numTokens
        guard tokens > 0 else { throw .invalidBatch("no tokens") }
        guard tokens <= maxBatchTokens else { throw .batchTooLarge(tokens: tokens, capacity: maxBatchTokens) }
        let groups = kvCacheLayout.groups.count
        guard batch.numKVGroups == groups else {
            throw .invalidBatch("the batch has block tables for \(batch.numKVGroups) KV-cache groups; the model has \(groups)")
        }
        guard batch.positions.count == tokens, batch.slotMapping.count == tokens * groups, batch.sequenceIndices.count == tokens
        else { throw .invalidBatch("positions and sequence indices must have one entry per token, the slot mapping one per token and group") }
        guard batch.logitIndices.count <= min(maxLogitRows, tokens) else {
            throw .invalidBatch("\(batch.logitIndices.count) logit rows asked; the runner holds \(maxLogitRows)")
        }
        guard batch.maxBlocksPerSequence > 0, batch.blockTables.count % (groups * batch.maxBlocksPerSequence) == 0 else {
            throw .invalidBatch("block tables are not a whole number of rows of \(batch.maxBlocksPerSequence) per group")
        }
        let numSequences = batch.blockTables.count / (groups * batch.maxBlocksPerSequence)
        let vocabulary = model.configuration.vocabularySize
        let blockSize = kvCache.blockSize
        for id in batch.blockTables where id < 0 || Int(id) >= kvCache.numBlocks {
            throw .invalidBatch("block id \(id) outside the pool of \(kvCache.numBlocks) blocks")
        }
        for index in batch.logitIndices where index < 0 || Int(index) >= tokens {
            throw .invalidBatch("logit index \(index) outside the batch of \(tokens) tokens")
        }
        for t in 0..<tokens {
            let token = Int(batch.tokenIDs[t])
            guard token >= 0, token < vocabulary else { throw .tokenOutOfRange(token: token, vocabularySize: vocabulary) }
            let sequence = Int(batch.sequenceIndices[t])
            guard sequence >= 0, sequence < numSequences else {
                throw .invalidBatch("token \(t) names sequence \(sequence) of \(numSequences)")
            }
            let position = Int(batch.positions[t])
            guard position < maxModelLength else {
                throw .invalidBatch("position \(position) of token \(t) is past the maximum model length \(maxModelLength)")
            }
            guard position >= 0, position / blockSize < batch.maxBlocksPerSequence else {
                throw .invalidBatch("position \(position) of token \(t) lies past its block table")
            }
            for slot in batch.slotMapping[(t * groups)..<((t + 1) * groups)] where slot >= Int64(kvCache.numSlots) {
                throw .invalidBatch("slot \(slot) of token \(t) outside the pool of \(kvCache.numSlots) slots")
            }
        }
    }
}
