import CKernels
import SluiceModel

#if canImport(Glibc)
import Glibc
#endif

extension WeightMatrix {
    /// Bytes of the matrix in its GGUF format.
    var byteCount: Int { rows * sl_row_size(type, Int64(cols)) }

    /// Drops the matrix's pages of the file mapping from this process's resident memory, once a packed
    /// copy has replaced them (so the weights are not resident twice). The mapping stays valid: a later
    /// read (the one-row path, which a packed matrix never takes) faults the pages back in from the file.
    func releaseResidentPages() {
        #if os(Linux)
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (Int(bitPattern: data) + page - 1) / page * page
        let end = (Int(bitPattern: data) + byteCount) / page * page
        guard end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(pointer, end - start, MADV_DONTNEED)
        #endif
    }
}
