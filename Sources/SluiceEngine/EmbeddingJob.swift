/// One request: its inputs, the vectors made so far, and how to hand them back.
final class EmbeddingJob: @unchecked Sendable {
    // @unchecked: every field but `inputs` is read and written only under the queue's lock.
    let inputs: [[Int32]]
    var vectors: [[Float]]
    var remaining: Int
    var continuation: CheckedContinuation<[[Float]], any Error>?
    var cancelled = false

    init(inputs: [[Int32]]) {
        self.inputs = inputs
        vectors = Array(repeating: [], count: inputs.count)
        remaining = inputs.count
    }
}
