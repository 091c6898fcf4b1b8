extension GGUFParser {
    /// A tensor info as read, before its data range is checked against the file.
    struct RawTensorInfo {
        var name: String
        var dimensions: [Int]
        var type: GGMLType
        var offset: UInt64
        var byteCount: Int
    }

    /// Reads the tensor infos, checking each one's shape, type and offset alignment.
    mutating func readTensorInfos(count: Int, alignment: Int) throws(GGUFError) -> [RawTensorInfo] {
        var tensors: [RawTensorInfo] = []
        tensors.reserveCapacity(count)
        var seenNames = Set<String>(minimumCapacity: count)
        for index in 0..<count {
            let nameOffset = position
            let name = try readString(.tensorName(index: index))
            guard seenNames.insert(name).inserted else { throw .duplicateTensor(name, offset: nameOffset) }

            let dimensions = try readDimensions(of: name)
            let elementCount = try Self.elementCount(of: name, dimensions: dimensions)

            let typeOffset = position
            let rawType = try readUInt32(.tensorField("type", tensor: name))
            guard let type = GGMLType(rawValue: rawType) else {
                throw .unknownTensorType(tensor: name, type: rawType, offset: typeOffset)
            }
            // ggml stores each row as whole blocks, so the row length, not just the total, must divide.
            guard dimensions[0] % type.blockSize == 0 else {
                throw .partialBlock(tensor: name, rowLength: dimensions[0], type: type)
            }
            guard let byteCount = type.byteCount(elementCount: elementCount) else {
                throw .tooManyElements(tensor: name, dimensions: dimensions)
            }

            let offset = try readUInt64(.tensorField("data offset", tensor: name))
            guard offset % UInt64(alignment) == 0 else {
                throw .misalignedTensor(tensor: name, offset: offset, alignment: alignment)
            }
            tensors.append(RawTensorInfo(name: name, dimensions: dimensions, type: type, offset: offset, byteCount: byteCount))
        }
        return tensors
    }

    private mutating func readDimensions(of name: String) throws(GGUFError) -> [Int] {
        let countOffset = position
        let count = try readUInt32(.tensorField("dimension count", tensor: name))
        guard (1...4).contains(count) else {
            throw .invalidDimensionCount(tensor: name, count: count, offset: countOffset)
        }
        var dimensions: [Int] = []
        dimensions.reserveCapacity(Int(count))
        for index in 0..<Int(count) {
            let offset = position
            let value = try readUInt64(.tensorField("dimension \(index)", tensor: name))
            // ggml reads dimensions as int64_t: values past Int64.max are negative to it.
            guard value >= 1, value <= UInt64(Int64.max) else {
                throw .invalidDimension(tensor: name, index: index, value: value, offset: offset)
            }
            dimensions.append(Int(value))
        }
        return dimensions
    }

    private static func elementCount(of name: String, dimensions: [Int]) throws(GGUFError) -> Int {
        var product = 1
        for dimension in dimensions {
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw .tooManyElements(tensor: name, dimensions: dimensions) }
            product = next
        }
        return product
    }

    /// Checks that every tensor's bytes lie inside the file and that no two tensors share bytes.
    func checkDataRanges(_ rawTensors: [RawTensorInfo], dataOffset: Int) throws(GGUFError) -> [GGUFTensorInfo] {
        let fileSize = bytes.count
        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(rawTensors.count)
        for raw in rawTensors {
            // Overflow-checked sums, so that a corrupt offset is reported rather than wrapped around.
            let (start, startOverflow) = UInt64(dataOffset).addingReportingOverflow(raw.offset)
            let (end, endOverflow) = start.addingReportingOverflow(UInt64(raw.byteCount))
            guard !startOverflow, !endOverflow, end <= UInt64(fileSize) else {
                throw .tensorDataPastEnd(
                    tensor: raw.name, end: startOverflow || endOverflow ? .max : end, fileSize: fileSize)
            }
            tensors.append(GGUFTensorInfo(
                name: raw.name, dimensions: raw.dimensions, type: raw.type, offset: Int(raw.offset),
                byteCount: raw.byteCount))
        }

        let byOffset = tensors.sorted { $0.offset < $1.offset }
        for (first, second) in zip(byOffset, byOffset.dropFirst()) where first.offset + first.byteCount > second.offset {
            throw .overlappingTensors(
                first: first.name, firstEnd: first.offset + first.byteCount, second: second.name,
                secondStart: second.offset)
        }
        return tensors
    }
}
