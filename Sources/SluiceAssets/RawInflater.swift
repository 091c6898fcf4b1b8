import CZlib

/// Inflates raw deflate data (a zip entry's bytes) with zlib, piece by piece.
final class RawInflater {
    /// On the heap: zlib keeps the stream's address and refuses a stream that has moved.
    private let stream: UnsafeMutablePointer<z_stream>
    private let output: UnsafeMutableRawBufferPointer
    private(set) var finished = false

    init(outputCapacity: Int = 1 << 20) throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        output = .allocate(byteCount: outputCapacity, alignment: 16)
        guard czlib_inflate_init_raw(stream) == Z_OK else {
            stream.deallocate()
            output.deallocate()
            throw InflateError("zlib could not start")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        output.deallocate()
    }

    /// Inflates all of `input`, handing each piece of output to `sink`. Sets `finished` at the end of
    /// the deflate stream; bytes after that end are an error.
    func inflate(_ input: UnsafeRawBufferPointer, into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard !input.isEmpty else { return }
        guard !finished else { throw InflateError("data after the end of the deflate stream") }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
        stream.pointee.avail_in = UInt32(input.count)
        let outputBytes = output.bindMemory(to: UInt8.self)
        while true {
            stream.pointee.next_out = outputBytes.baseAddress
            stream.pointee.avail_out = UInt32(output.count)
            let status = CZlib.inflate(stream, Z_NO_FLUSH)
            let produced = output.count - Int(stream.pointee.avail_out)
            if produced > 0 { try sink(UnsafeRawBufferPointer(rebasing: output[..<produced])) }
            switch status {
            case Z_STREAM_END:
                finished = true
                guard stream.pointee.avail_in == 0 else { throw InflateError("data after the end of the deflate stream") }
                return
            case Z_OK:
                // A full output buffer may hold back more output; otherwise all input is taken.
                if stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0 { return }
            case Z_BUF_ERROR where stream.pointee.avail_in == 0:
                return
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                throw InflateError(message)
            }
        }
    }
}

/// The deflate data is damaged.
struct InflateError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
