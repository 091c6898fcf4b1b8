extension StepCostModel {
    /// One timed step: what it ran and how long it took, in seconds.
    public struct Sample: Sendable, Equatable {
        /// What the step ran.
        public var workload: StepWorkload
        /// Its measured time, in seconds.
        public var time: Double

        /// A timed step.
        public init(workload: StepWorkload, time: Double) {
            self.workload = workload
            self.time = time
        }
    }

    /// The coefficients that best fit `samples` in least squares, none negative, or `nil` when
    /// the samples fix none of them.
    ///
    /// A coefficient the samples cannot tell apart from the others, or one the fit would make
    /// negative (timing noise on a term too small to see), is set to 0 and the rest refitted.
    public static func fit(_ samples: [Sample]) -> StepCostModel? {
        let rows = samples.map { features(of: $0.workload) }
        let times = samples.map(\.time)
        var active = Array(0..<4)
        while !active.isEmpty {
            let solution: [Double]
            switch leastSquares(rows, times, columns: active) {
            case .solved(let values): solution = values
            case .dependent(let position): active.remove(at: position); continue
            }
            if let worst = zip(active, solution).min(by: { $0.1 < $1.1 }), worst.1 < 0 {
                active.removeAll { $0 == worst.0 }
                continue
            }
            var coefficients = [0.0, 0.0, 0.0, 0.0]
            for (column, value) in zip(active, solution) { coefficients[column] = value }
            return StepCostModel(fixedTime: coefficients[0], timePerToken: coefficients[1],
                                 timePerSampledRow: coefficients[2], timePerAttendedPosition: coefficients[3])
        }
        return nil
    }

    /// The regressors of a workload, in coefficient order: [1, tokens, rows, attended positions].
    private static func features(of workload: StepWorkload) -> [Double] {
        [1, Double(workload.numTokens), Double(workload.numSampledRows), Double(workload.numAttendedPositions)]
    }

    /// What solving the normal equations gave.
    private enum Solution {
        /// The coefficients of the columns, in order.
        case solved([Double])
        /// The column at this position of `columns` is (nearly) a combination of the ones before it.
        case dependent(Int)
    }

    /// Solves the normal equations over `columns` of `x` by Gaussian elimination with partial
    /// pivoting. Columns are scaled to a largest value of 1 first, since attended positions run to
    /// millions while the constant is 1.
    private static func leastSquares(_ x: [[Double]], _ y: [Double], columns: [Int]) -> Solution {
        let size = columns.count
        let scales = columns.map { column in max(x.map { abs($0[column]) }.max() ?? 0, .leastNormalMagnitude) }
        var matrix = Array(repeating: Array(repeating: 0.0, count: size + 1), count: size)
        for (row, target) in zip(x, y) {
            let scaled = zip(columns, scales).map { row[$0] / $1 }
            for i in 0..<size {
                for j in 0..<size { matrix[i][j] += scaled[i] * scaled[j] }
                matrix[i][size] += scaled[i] * target
            }
        }
        for pivot in 0..<size {
            guard let best = (pivot..<size).max(by: { abs(matrix[$0][pivot]) < abs(matrix[$1][pivot]) }),
                  abs(matrix[best][pivot]) > 1e-9 else { return .dependent(pivot) }
            matrix.swapAt(pivot, best)
            for row in 0..<size where row != pivot {
                let factor = matrix[row][pivot] / matrix[pivot][pivot]
                for column in pivot...size { matrix[row][column] -= factor * matrix[pivot][column] }
            }
        }
        return .solved((0..<size).map { matrix[$0][size] / matrix[$0][$0] / scales[$0] })
    }
}
