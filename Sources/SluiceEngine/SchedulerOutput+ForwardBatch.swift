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
        batch.clear(maxBlocksPerSequence: maxBlocksPerSequence)
        for (row, scheduled) in scheduledRequests.enumerated() {
            batch.appendBlockTable(scheduled.blockIDs)
            for (offset, token) in scheduled.tokenIDs.enumerated() {
                batch.appendToken(token, position: scheduled.startPosition + offset, sequence: row, blockIDs: scheduled.blockIDs,
                                  blockSize: blockSize)
            }
            // A speculative row samples after its last real token and after each draft.
            for index in (batch.tokenIDs.count - scheduled.numSampledRows)..<batch.tokenIDs.count {
                batch.logitIndices.append(Int32(index))
            }
        }
    }
}

extension ForwardBatch {
    /// Empties every array, keeping its storage, for a batch whose block tables are this wide.
    mutating func clear(maxBlocksPerSequence: Int) {
        tokenIDs.removeAll(keepingCapacity: true)
        positions.removeAll(keepingCapacity: true)
        slotMapping.removeAll(keepingCapacity: true)
        sequenceIndices.removeAll(keepingCapacity: true)
        logitIndices.removeAll(keepingCapacity: true)
        blockTables.removeAll(keepingCapacity: true)
        self.maxBlocksPerSequence = maxBlocksPerSequence
    }

    /// Appends one sequence's block table, padded with the null block to the batch's width.
    mutating func appendBlockTable(_ blockIDs: some Collection<BlockID>) {
        for block in blockIDs { blockTables.append(Int32(block.rawValue)) }
        for _ in blockIDs.count..<maxBlocksPerSequence { blockTables.append(Int32(BlockID.null.rawValue)) }
    }

    /// Appends one token of sequence `sequence` at `position`, its KV slot found through `blockIDs`.
    mutating func appendToken(_ token: Int, position: Int, sequence: Int, blockIDs: [BlockID], blockSize: Int) {
        tokenIDs.append(Int32(token))
        positions.append(Int32(position))
        slotMapping.append(Int64(blockIDs[position / blockSize].rawValue) * Int64(blockSize) + Int64(position % blockSize))
        sequenceIndices.append(Int32(sequence))
    }
}
