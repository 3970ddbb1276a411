// libFuzzer target: tuntap router frames, whole and split at every 7th byte (Benchmarks/fuzz.sh).
import NIOCore
import RouterWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTuntapFrames(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    // Any split of the input gives the same frames.
    let whole = frames(bytes, chunk: max(size, 1))
    let pieces = frames(bytes, chunk: 7)
    guard whole == pieces else { fatalError("tuntap frames differ when the input is split") }
    return 0
}

func frames(_ bytes: UnsafeBufferPointer<UInt8>, chunk: Int) -> [TuntapFrame?] {
    var decoder = TuntapFrameDecoder()
    var buffer = ByteBuffer()
    var out: [TuntapFrame?] = []
    var offset = 0
    repeat {
        let end = min(offset + chunk, bytes.count)
        buffer.writeBytes(UnsafeBufferPointer(rebasing: bytes[offset..<end]))
        offset = end
        while true {
            let before = buffer.readerIndex
            do {
                guard let frame = try decoder.decodeFrame(buffer: &buffer) else { break }
                guard buffer.readerIndex > before else { fatalError("tuntap frame consumed no bytes") }
                out.append(frame)
            } catch {
                out.append(nil)
                return out
            }
        }
    } while offset < bytes.count
    return out
}
