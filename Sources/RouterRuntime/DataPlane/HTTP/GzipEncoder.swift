import CZlib
import NIOCore

/// A streaming gzip compressor over zlib (`--http-auto-gzip`): header, deflate blocks, CRC32
/// and size trailer, as `gzip` writes them. One per response; pure computation, no I/O.
final class GzipEncoder {
    private var stream = z_stream()
    private var open = false

    /// A compressor at zlib's default level; nil when zlib refuses to start one (no memory).
    init?() {
        // windowBits 15 + 16: a gzip wrapper instead of zlib's.
        let status = deflateInit2_(
            &stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
            zlibVersion(), CInt(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { return nil }
        open = true
    }

    deinit {
        if open { deflateEnd(&stream) }
    }

    /// Compresses `input`, flushing so the client sees the bytes now (a streamed response must
    /// not wait for zlib's buffer to fill); returns what zlib produced.
    func compress(_ input: ByteBuffer) -> ByteBuffer {
        run(input, flush: Z_SYNC_FLUSH)
    }

    /// Ends the stream: the last deflate block and the gzip trailer.
    func finish() -> ByteBuffer {
        let out = run(ByteBuffer(), flush: Z_FINISH)
        if open {
            deflateEnd(&stream)
            open = false
        }
        return out
    }

    private func run(_ input: ByteBuffer, flush: CInt) -> ByteBuffer {
        guard open else { return ByteBuffer() }
        var output = ByteBuffer()
        var input = input
        input.withUnsafeMutableReadableBytes { source in
            stream.next_in = source.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.avail_in = uInt(source.count)
            while true {
                output.reserveCapacity(minimumWritableBytes: max(256, Int(stream.avail_in) / 2 + 64))
                let produced = output.writeWithUnsafeMutableBytes(minimumWritableBytes: 0) { target in
                    stream.next_out = target.baseAddress?.assumingMemoryBound(to: Bytef.self)
                    stream.avail_out = uInt(target.count)
                    _ = deflate(&stream, flush)
                    return target.count - Int(stream.avail_out)
                }
                // zlib is done when it left output space unused and took all the input.
                if stream.avail_out > 0 && stream.avail_in == 0 { break }
                if produced == 0 && stream.avail_in == 0 { break }
            }
            stream.next_in = nil
        }
        return output
    }
}
