/// The few MessagePack forms KV-event batches need, each in its shortest encoding as msgspec
/// writes it (the MessagePack specification, github.com/msgpack/msgpack/blob/master/spec.md):
/// nil, integers, 64-bit floats, strings, byte strings and array headers.
struct MessagePackWriter {
    /// The encoded bytes so far.
    private(set) var bytes: [UInt8] = []

    init(reservingCapacity capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    mutating func writeNil() {
        bytes.append(0xC0)
    }

    mutating func write(_ value: Int) {
        if value >= 0 {
            write(unsigned: UInt64(value))
        } else if value >= -32 {
            bytes.append(UInt8(bitPattern: Int8(value)))
        } else if value >= Int(Int8.min) {
            bytes.append(0xD0)
            bytes.append(UInt8(bitPattern: Int8(value)))
        } else if value >= Int(Int16.min) {
            bytes.append(0xD1)
            appendBigEndian(UInt64(UInt16(bitPattern: Int16(value))), byteCount: 2)
        } else if value >= Int(Int32.min) {
            bytes.append(0xD2)
            appendBigEndian(UInt64(UInt32(bitPattern: Int32(value))), byteCount: 4)
        } else {
            bytes.append(0xD3)
            appendBigEndian(UInt64(bitPattern: Int64(value)), byteCount: 8)
        }
    }

    mutating func write(unsigned value: UInt64) {
        switch value {
        case 0...0x7F: bytes.append(UInt8(value))
        case 0x80...0xFF: bytes.append(0xCC); bytes.append(UInt8(value))
        case 0x100...0xFFFF: bytes.append(0xCD); appendBigEndian(value, byteCount: 2)
        case 0x1_0000...0xFFFF_FFFF: bytes.append(0xCE); appendBigEndian(value, byteCount: 4)
        default: bytes.append(0xCF); appendBigEndian(value, byteCount: 8)
        }
    }

    /// A float64, the only float form msgspec writes for a Python float.
    mutating func write(_ value: Double) {
        bytes.append(0xCB)
        appendBigEndian(value.bitPattern, byteCount: 8)
    }

    mutating func write(_ value: String) {
        let utf8 = value.utf8
        let count = utf8.count
        switch count {
        case 0...31: bytes.append(0xA0 | UInt8(count))
        case 32...0xFF: bytes.append(0xD9); bytes.append(UInt8(count))
        case 0x100...0xFFFF: bytes.append(0xDA); appendBigEndian(UInt64(count), byteCount: 2)
        default: bytes.append(0xDB); appendBigEndian(UInt64(count), byteCount: 4)
        }
        bytes.append(contentsOf: utf8)
    }

    /// A byte string (`bin`), as Python `bytes` are encoded.
    mutating func write(binary: some Collection<UInt8>) {
        let count = binary.count
        switch count {
        case 0...0xFF: bytes.append(0xC4); bytes.append(UInt8(count))
        case 0x100...0xFFFF: bytes.append(0xC5); appendBigEndian(UInt64(count), byteCount: 2)
        default: bytes.append(0xC6); appendBigEndian(UInt64(count), byteCount: 4)
        }
        bytes.append(contentsOf: binary)
    }

    /// The header of an array of `count` elements, which the caller writes next.
    mutating func writeArrayHeader(_ count: Int) {
        switch count {
        case 0...15: bytes.append(0x90 | UInt8(count))
        case 16...0xFFFF: bytes.append(0xDC); appendBigEndian(UInt64(count), byteCount: 2)
        default: bytes.append(0xDD); appendBigEndian(UInt64(count), byteCount: 4)
        }
    }

    private mutating func appendBigEndian(_ value: UInt64, byteCount: Int) {
        for shift in stride(from: (byteCount - 1) * 8, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }
}
