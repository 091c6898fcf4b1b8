import Foundation

/// What a resolved model path holds: one GGUF file, or a folder in the Hugging Face layout.
///
/// `ModelReference.path(for:)` hands out either (a path given on the command line, or the
/// cache's copy of a catalog model: `minilm` is a folder); a command asks `of(path:)` which loader
/// to use, so a folder is never opened as GGUF.
public enum ModelFormat: Sendable, Equatable {
    case gguf
    /// `config.json` beside `model.safetensors` or its `model.safetensors.index.json`.
    case huggingFaceFolder

    /// The format of the model at `path`; a directory that is not a Hugging Face model folder is an
    /// error that says what it lacks.
    public static func of(path: String) throws -> ModelFormat {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw AssetError.noSuchFile(path)
        }
        guard isDirectory.boolValue else { return .gguf }
        let folder = URL(fileURLWithPath: path)
        func has(_ name: String) -> Bool {
            FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path)
        }
        guard has("config.json") else {
            throw AssetError.notAModelFolder(path: path, reason: "it has no config.json")
        }
        guard has("model.safetensors") || has("model.safetensors.index.json") else {
            throw AssetError.notAModelFolder(path: path, reason: "it has neither model.safetensors nor model.safetensors.index.json")
        }
        return .huggingFaceFolder
    }
}
