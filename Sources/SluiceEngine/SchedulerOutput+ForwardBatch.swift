import SluiceModel

extension SchedulerOutput {
    /// Flattens the step into the model's input: token ids, positions, one KV slot per token and
    /// KV-cache group (`blockID * blockSize + offset`), each token's row, block tables padded with
    /// the null block to the widest, and the batch index of each sampling row's last token (and of
    /// its drafts).
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
        batch.clear(maxBlocksPerSequence: maxBlocksPerSequence, numKVGroups: scheduledRequests.first?.blockTables.count ?? 1)
        for (row, scheduled) in scheduledRequests.enumerated() {
            batch.appendBlockTables(scheduled.blockTables)
            for (offset, token) in scheduled.tokenIDs.enumerated() {
                batch.appendToken(token, position: scheduled.startPosition + offset, sequence: row,
                                  blockTables: scheduled.blockTables, blockSize: blockSize)
            }
            // A speculative row samples after its last real token and after each draft.
            for index in (batch.tokenIDs.count - scheduled.numSampledRows)..<batch.tokenIDs.count {
                batch.logitIndices.append(Int32(index))
            }
        }
    }
}

extension ForwardBatch {
    /// Empties every array, keeping its storage, for a batch whose block tables are this wide, in
    /// `numKVGroups` groups.
    mutating func clear(maxBlocksPerSequence: Int, numKVGroups: Int = 1) {
        tokenIDs.removeAll(keepingCapacity: true)
        positions.removeAll(keepingCapacity: true)
        slotMapping.removeAll(keepingCapacity: true)
        sequenceIndices.removeAll(keepingCapacity: true)
        logitIndices.removeAll(keepingCapacity: true)
        blockTables.removeAll(keepingCapacity: true)
        self.maxBlocksPerSequence = maxBlocksPerSequence
        self.numKVGroups = numKVGroups
    }

    /// Appends one sequence's block tables, one per group, each padded with the null block to the
    /// batch's width.
    mutating func appendBlockTables(_ tables: [[BlockID]]) {
        precondition(tables.count == numKVGroups, "\(tables.count) block tables for \(numKVGroups) KV-cache groups")
        for table in tables {
            for block in table { blockTables.append(Int32(block.rawValue)) }
            for _ in table.count..<maxBlocksPerSequence { blockTables.append(Int32(BlockID.null.rawValue)) }
        }
    }

    /// Appends one token of sequence `sequence` at `position`, its KV slot in each group found
    /// through that group's table.
    mutating func appendToken(_ token: Int, position: Int, sequence: Int, blockTables tables: [[BlockID]], blockSize: Int) {
        tokenIDs.append(Int32(token))
        positions.append(Int32(position))
        for table in tables {
            slotMapping.append(Int64(table[position / blockSize].rawValue) * Int64(blockSize) + Int64(position % blockSize))
        }
        sequenceIndices.append(Int32(sequence))
    }
}
