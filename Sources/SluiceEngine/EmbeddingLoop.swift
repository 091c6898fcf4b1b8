import SluiceModel

/// The step thread's loop: take a pass, run it, hand the vectors back.
struct EmbeddingLoop: @unchecked Sendable {
    // @unchecked: the executor is used by the step thread alone, after the init that made it.
    let executor: any EncoderExecutor
    let queue: EmbeddingQueue

    func run() {
        while let pass = queue.nextPass() {
            let batch = EncoderBatch(pass.map { $0.job.inputs[$0.index] })
            do {
                let vectors = try executor.embed(batch)
                queue.finish(pass, vectors: vectors, width: executor.configuration.hiddenSize)
            } catch {
                queue.fail(pass, error)
            }
        }
    }
}
