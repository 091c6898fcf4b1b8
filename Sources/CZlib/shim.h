#ifndef SLUICE_CZLIB_SHIM_H
#define SLUICE_CZLIB_SHIM_H

#include <zlib.h>

/// Starts a raw-deflate inflate, the form a zip entry holds (no zlib or gzip header).
/// `inflateInit2` is a macro, which Swift cannot call.
static inline int czlib_inflate_init_raw(z_stream *stream) {
    return inflateInit2(stream, -MAX_WBITS);
}

#endif
