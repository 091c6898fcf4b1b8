/// GPT-2's byte-level alphabet: each of the 256 byte values stands for one printable scalar, so
/// that byte-level BPE vocabularies are plain strings.
///
/// The printable bytes `!`…`~`, `¡`…`¬` and `®`…`ÿ` stand for themselves; the other 68 bytes, in
/// order, stand for U+0100, U+0101, … (the table of GPT-2's `bytes_to_unicode`, used by Hugging
/// Face's ByteLevel pre-tokenizer and llama.cpp's `unicode_byte_to_utf8`).
enum ByteLevel {
    /// The scalar that stands for each byte value.
    static let scalarForByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 0x100
        for byte in 0..<256 {
            if standsForItself(UInt8(byte)) {
                table[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                table[byte] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The byte each scalar value below `byteForScalar.count` stands for, or nil.
    static let byteForScalar: [UInt8?] = {
        var table = [UInt8?](repeating: nil, count: 0x144)
        for (byte, scalar) in scalarForByte.enumerated() {
            table[Int(scalar.value)] = UInt8(byte)
        }
        return table
    }()

    /// The UTF-8 bytes of the scalar that stands for each byte value.
    static let encodedByte: [[UInt8]] = scalarForByte.map { Array(String($0).utf8) }

    /// The byte `scalar` stands for, or nil when it is not in the alphabet.
    static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        Int(scalar.value) < byteForScalar.count ? byteForScalar[Int(scalar.value)] : nil
    }

    private static func standsForItself(_ byte: UInt8) -> Bool {
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    }
}
