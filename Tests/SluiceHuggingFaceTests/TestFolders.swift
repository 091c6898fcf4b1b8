import Foundation
import SluiceAssets

/// all-MiniLM-L6-v2's folder, fetched into the cache (`$SLUICE_CACHE`, default `~/.cache/sluice`)
/// on first use.
func minilmFolder() -> String {
    do {
        let entry = ModelCatalog.entry(named: "minilm")!
        return try ModelCache.default.ensure(entry) { print($0) }
    } catch {
        fatalError("Hugging Face tests need all-MiniLM-L6-v2: \(error)")
    }
}

/// A temporary folder for hand-built files, removed by `remove()`.
struct ScratchFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-hf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }

    func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    /// Writes `bytes` to `name` and returns its path.
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = self.path(name)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @discardableResult
    func write(_ name: String, text: String) throws -> String {
        try write(name, Array(text.utf8))
    }

    /// Writes a safetensors file: the header length (`declaredLength` when given, else the real
    /// one), the JSON `header`, then `data`.
    @discardableResult
    func safetensors(_ name: String, header: String, data: [UInt8], declaredLength: UInt64? = nil) throws -> String {
        let json = Array(header.utf8)
        let length = declaredLength ?? UInt64(json.count)
        let prefix = (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
        return try write(name, prefix + json + data)
    }
}

/// The little-endian bytes of `values`.
func littleEndianBytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { value in (0..<4).map { UInt8(truncatingIfNeeded: value.bitPattern.littleEndian >> (8 * $0)) } }
}
