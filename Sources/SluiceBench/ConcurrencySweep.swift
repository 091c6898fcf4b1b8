import Foundation

/// The `--sweep-concurrency` list: one pass per level of maximum concurrency.
public enum ConcurrencySweep {
    /// The levels of `text`, a comma-separated list of positive whole numbers such as "1,4,16,64".
    public static func parse(_ text: String) throws(BenchError) -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        var levels: [Int] = []
        for part in parts {
            guard let level = Int(part), level >= 1 else { throw .badSweepList(text) }
            levels.append(level)
        }
        guard !levels.isEmpty else { throw .badSweepList(text) }
        return levels
    }
}
