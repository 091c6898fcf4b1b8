import SluiceModel

extension SchedulerOutput {
    /// Flattens the step into the model's input: token ids, positions, one KV slot per token
    /// (`blockID * blockSize + offset`), each token's row, block tables padded with the null
    /// block to the widest, and the batch index of each sampling row's last token.
    public func makeForwardBatch() -> ForwardBatch {
        let numTokens = numScheduledTokens
        let maxBlocksPerSequence = scheduledRequests.map(\.blockIDs.count).max() ?? 0
        var tokenIDs: [Int32] = []
        var positions: [Int32] = []
        var slotMapping: [Int64] = []
        var sequenceIndices: [Int32] = []
        var logitIndices: [Int32] = []
        tokenIDs.reserveCapacity(numTokens)
        positions.reserveCapacity(numTokens)
        slotMapping.reserveCapacity(numTokens)
        sequenceIndices.reserveCapacity(numTokens)
        var blockTables = [Int32](repeating: Int32(BlockID.null.rawValue),
                                 count: scheduledRequests.count * maxBlocksPerSequence)

        for (row, scheduled) in scheduledRequests.enumerated() {
            for (column, block) in scheduled.blockIDs.enumerated() {
                blockTables[row * maxBlocksPerSequence + column] = Int32(block.rawValue)
            }
            for (offset, token) in scheduled.tokenIDs.enumerated() {
                let position = scheduled.startPosition + offset
                let block = scheduled.blockIDs[position / blockSize]
                tokenIDs.append(Int32(token))
                positions.append(Int32(position))
                slotMapping.append(Int64(block.rawValue) * Int64(blockSize) + Int64(position % blockSize))
                sequenceIndices.append(Int32(row))
            }
            if scheduled.samples {
                logitIndices.append(Int32(tokenIDs.count - 1))
            }
        }
        return ForwardBatch(
            tokenIDs: tokenIDs, positions: positions, slotMapping: slotMapping,
            sequenceIndices: sequenceIndices, blockTables: blockTables,
            maxBlocksPerSequence: maxBlocksPerSequence, logitIndices: logitIndices)
    }
}
