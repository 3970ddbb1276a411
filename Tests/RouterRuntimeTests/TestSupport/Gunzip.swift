import CZlib
import NIOCore

/// Decodes a gzip stream with zlib's inflate, to check what the router's encoder wrote.
enum Gunzip {
    struct Failure: Error {
        let status: CInt
    }

    static func decode(_ input: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 16, zlibVersion(), CInt(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(status: -1)
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        var source = input
        var status: CInt = Z_OK
        try source.withUnsafeMutableBufferPointer { inputBytes in
            stream.next_in = inputBytes.baseAddress
            stream.avail_in = uInt(inputBytes.count)
            repeat {
                let produced = chunk.withUnsafeMutableBufferPointer { out -> Int in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return out.count - Int(stream.avail_out)
                }
                output += chunk[0..<produced]
                guard status == Z_OK || status == Z_STREAM_END else { throw Failure(status: status) }
            } while status != Z_STREAM_END && (stream.avail_in > 0 || stream.avail_out == 0)
        }
        guard status == Z_STREAM_END else { throw Failure(status: status) }
        return output
    }
}

extension ByteBuffer {
    /// Reads one CRLF-terminated line (without the CRLF).
    mutating func readCRLFLine() -> String? {
        guard let end = readableBytesView.firstIndex(of: UInt8(ascii: "\r")),
              let line = readString(length: end - readerIndex) else { return nil }
        moveReaderIndex(forwardBy: 2)
        return line
    }
}
