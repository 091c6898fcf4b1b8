import ArgumentParser
import Foundation
import SluiceAssets

/// `sluice models`: the catalog, and what the cache holds of it.
struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the models `sluice pull` can fetch and whether each is in the cache.")

    func run() {
        let cache = ModelCache.default
        print("cache: \(cache.modelsDirectory.path)")
        var rows = [["name", "size", "also", "model", "in the cache"]]
        for entry in ModelCatalog.entries {
            let state: String
            switch cache.state(of: entry) {
            case .cached(let path): state = path
            case .partial(let appended, let count): state = "partly: \(appended) of \(count) parts (`sluice pull \(entry.name)` resumes)"
            case .absent: state = entry.unfetchableReason == nil ? "no" : "no; not fetchable yet"
            }
            rows.append([entry.name, Self.size(entry.asset.size), entry.aliases.joined(separator: ", "), entry.summary, state])
        }
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let cells = zip(row, widths).map { cell, width in cell.padding(toLength: width, withPad: " ", startingAt: 0) }
            print(cells.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
    }

    /// Decimal megabytes under a gigabyte, else gigabytes.
    static func size(_ bytes: Int64) -> String {
        bytes >= 1_000_000_000 ? String(format: "%.2f GB", Double(bytes) / 1e9) : String(format: "%.0f MB", Double(bytes) / 1e6)
    }
}
