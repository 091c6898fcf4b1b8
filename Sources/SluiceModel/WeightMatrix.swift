import CKernels

/// A weight matrix kept in its GGUF block format inside the file mapping: `[rows, cols]`,
/// each row `cols` elements of `type` (ARCHITECTURE.md, decision 8: weights stay quantized).
public struct WeightMatrix: @unchecked Sendable {
    // @unchecked: `data` points into a read-only mapping that the owning model keeps alive
    // and nobody writes, so sharing the pointer across threads is safe.
    public let name: String
    public let type: sl_type
    public let rows: Int
    public let cols: Int
    public let data: UnsafeRawPointer

    /// Reads tensor `name` of GGUF shape `[cols, rows]`, checking shape and that the kernels support its type.
    init(_ gguf: any TensorSource, _ name: String, rows: Int, cols: Int) throws(ModelError) {
        guard let info = gguf.tensor(named: name) else { throw .missingTensor(name: name) }
        guard info.dimensions == [cols, rows] else {
            throw .tensorShape(name: name, expected: [cols, rows], found: info.dimensions)
        }
        let type = sl_type(rawValue: info.type.rawValue)
        guard let traits = sl_get_type_traits(type), traits.pointee.vec_dot != nil,
              traits.pointee.to_float != nil, cols % Int(traits.pointee.block_size) == 0
        else {
            throw .unsupportedTensorType(name: name, type: info.type.name)
        }
        let data = gguf.data(for: info)
        guard isAligned(data, for: type) else { throw .misalignedTensor(name: name) }
        self.name = name
        self.type = type
        self.rows = rows
        self.cols = cols
        self.data = data
    }
}

extension WeightMatrix {
    /// Rows `range` of this matrix as a matrix of their own, in the same mapping: a fused tensor (Phi-3's
    /// `attn_qkv`, its gate-and-up `ffn_up`) split into the parts the layers name.
    public func rows(_ range: Range<Int>, name: String) -> WeightMatrix {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "rows \(range) outside \(rows)")
        return WeightMatrix(name: name, type: type, rows: range.count, cols: cols,
                            data: data + range.lowerBound * sl_row_size(type, Int64(cols)))
    }

    /// Row `index` converted to f32 (BERT's token-type row 0, added to every token).
    public func row(_ index: Int) -> [Float] {
        precondition(index >= 0 && index < rows, "row \(index) outside \(rows)")
        var values = [Float](repeating: 0, count: cols)
        // The type was checked to have a to_float when the matrix was loaded.
        let toFloat = sl_get_type_traits(type)!.pointee.to_float!
        values.withUnsafeMutableBufferPointer { toFloat(data + index * sl_row_size(type, Int64(cols)), $0.baseAddress, Int64(cols)) }
        return values
    }

    private init(name: String, type: sl_type, rows: Int, cols: Int, data: UnsafeRawPointer) {
        self.name = name
        self.type = type
        self.rows = rows
        self.cols = cols
        self.data = data
    }
}

/// The kernels read F32 as floats and every other format through 16-bit fields, so tensor data must
/// start on such a boundary; GGUF's default 32-byte alignment always does, a file with alignment 1 may not.
private func isAligned(_ pointer: UnsafeRawPointer, for type: sl_type) -> Bool {
    Int(bitPattern: pointer) % (type == SL_TYPE_F32 ? 4 : 2) == 0
}

/// Reads a small tensor (a norm weight or a bias) of `count` elements and converts it to f32.
func loadVector(_ gguf: any TensorSource, _ name: String, count: Int) throws(ModelError) -> [Float] {
    guard let info = gguf.tensor(named: name) else { throw .missingTensor(name: name) }
    guard info.dimensions == [count] else {
        throw .tensorShape(name: name, expected: [count], found: info.dimensions)
    }
    let type = sl_type(rawValue: info.type.rawValue)
    guard let traits = sl_get_type_traits(type), let toFloat = traits.pointee.to_float,
          count % Int(traits.pointee.block_size) == 0
    else {
        throw .unsupportedTensorType(name: name, type: info.type.name)
    }
    let data = gguf.data(for: info)
    guard isAligned(data, for: type) else { throw .misalignedTensor(name: name) }
    var values = [Float](repeating: 0, count: count)
    values.withUnsafeMutableBufferPointer { toFloat(data, $0.baseAddress, Int64(count)) }
    return values
}
