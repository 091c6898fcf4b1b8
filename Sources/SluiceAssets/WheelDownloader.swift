import Foundation

/// Brings one wheel onto this machine. `PipDownloader` is the real one; tests put local wheels behind
/// this protocol so that they need no network.
public protocol WheelDownloader {
    /// Downloads the wheel of `requirement` (`name==version`, no dependencies) into `directory`, which
    /// exists and is empty, and returns the wheel's path.
    func download(_ requirement: String, into directory: URL) throws -> URL
}

extension WheelDownloader {
    /// The one `.whl` file in `directory`, which a download left there.
    func wheel(in directory: URL, requirement: String) throws -> URL {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        guard let name = names.sorted().first(where: { $0.hasSuffix(".whl") }) else {
            throw AssetError.noWheel(requirement: requirement)
        }
        return directory.appendingPathComponent(name)
    }
}
