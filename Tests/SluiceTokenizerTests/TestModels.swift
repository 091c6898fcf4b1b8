import Foundation

/// The path of a model file in the local model cache (`$SLUICE_CACHE/models` or
/// `~/.cache/sluice/models`), or nil when it has not been downloaded.
func cachedModelPath(_ fileName: String) -> String? {
    let environment = ProcessInfo.processInfo.environment
    let cache = environment["SLUICE_CACHE"] ?? (NSHomeDirectory() + "/.cache/sluice")
    let path = cache + "/models/" + fileName
    return FileManager.default.fileExists(atPath: path) ? path : nil
}
