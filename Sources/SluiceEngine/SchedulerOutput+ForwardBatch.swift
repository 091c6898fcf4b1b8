import SluiceModel

extension SchedulerOutput {
    /// Flattens the step into the model's input: token ids, positions, one KV slot per token
    /// (`blockID * blockSize + offset`), each token's row, block tables padded with the null
    /// block to the widest, and the batch index of each sampling row's last token (and of its drafts).
    public func makeForwardBatch() -> ForwardBatch {
        var batch = ForwardBatch(tokenIDs: [], positions: [], slotMapping: [], sequenceIndices: [],
                                 blockTables: [], maxBlocksPerSequence: 0, logitIndices: [])
        fill(&batch)
        return batch
    }

    /// Writes the step into `batch`, reusing its arrays' storage: once they have grown to the
    /// largest step, the step loop allocates nothing here.
    public func fill(_ batch: inout ForwardBatch) {
        var maxBlocksPerSequence = 0
        for scheduled in scheduledRequests { maxBlocksPerSequence = max(maxBlocksPerSequence, scheduled.blockIDs.count) }
        batch.tokenIDs.removeAll(keepingCapacity: true)
        batch.positions.removeAll(keepingCapacity: true)
        batch.slotMapping.removeAll(keepingCapacity: true)
        batch.sequenceIndices.removeAll(keepingCapacity: true)
        batch.logitIndices.removeAll(keepingCapacity: true)
        batch.blockTables.removeAll(keepingCapacity: true)
        batch.maxBlocksPerSequence = maxBlocksPerSequence

        for (row, scheduled) in scheduledRequests.enumerated() {
            for block in scheduled.blockIDs { batch.blockTables.append(Int32(block.rawValue)) }
            for _ in scheduled.blockIDs.count..<maxBlocksPerSequence { batch.blockTables.append(Int32(BlockID.null.rawValue)) }
            for (offset, token) in scheduled.tokenIDs.enumerated() {
                let position = scheduled.startPosition + offset
                let block = scheduled.blockIDs[position / blockSize]
                batch.tokenIDs.append(Int32(token))
                batch.positions.append(Int32(position))
                batch.slotMapping.append(Int64(block.rawValue) * Int64(blockSize) + Int64(position % blockSize))
                batch.sequenceIndices.append(Int32(row))
            }
            // A speculative row samples after its last real token and after each draft.
            for index in (batch.tokenIDs.count - scheduled.numSampledRows)..<batch.tokenIDs.count {
                batch.logitIndices.append(Int32(index))
            }
        }
    }
}
