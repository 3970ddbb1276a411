import NIOCore
import RouterWire

/// Feeds bytes to a decoder the way a channel would, in chosen pieces.
enum Feeding {
    /// The ways an input is cut into reads.
    enum Split: CustomStringConvertible {
        case allAtOnce
        case byteByByte
        case random(seed: UInt64)

        var description: String {
            switch self {
            case .allAtOnce: return "all at once"
            case .byteByByte: return "byte by byte"
            case .random(let seed): return "random splits (seed \(seed))"
            }
        }

        static let standard: [Split] = [.allAtOnce, .byteByByte] + (1...8).map { .random(seed: UInt64($0)) }
    }

    /// Cuts `bytes` into chunks.
    static func chunks(_ bytes: [UInt8], _ split: Split) -> [[UInt8]] {
        switch split {
        case .allAtOnce:
            return [bytes]
        case .byteByByte:
            return bytes.map { [$0] }
        case .random(let seed):
            var rng = SplitMix64(seed: seed)
            var result: [[UInt8]] = []
            var index = 0
            while index < bytes.count {
                let length = Int.random(in: 1...max(1, min(64, bytes.count - index)), using: &rng)
                result.append(Array(bytes[index..<(index + length)]))
                index += length
            }
            return result
        }
    }

    /// Decodes everything `decoder` yields from `bytes` delivered in `split` pieces; also
    /// returns the bytes left undecoded.
    static func decodeAll<D: NIOSingleStepByteToMessageDecoder>(
        _ decoder: D, _ bytes: [UInt8], _ split: Split
    ) throws -> (outputs: [D.InboundOut], leftover: [UInt8]) {
        var decoder = decoder
        var buffer = ByteBuffer()
        var outputs: [D.InboundOut] = []
        for chunk in self.chunks(bytes, split) {
            buffer.writeBytes(chunk)
            // Every output consumes at least one byte, so this loop ends.
            for _ in 0...buffer.readableBytes {
                guard let output = try decoder.decode(buffer: &buffer) else { break }
                outputs.append(output)
            }
        }
        return (outputs, Array(buffer.readableBytesView))
    }
}

extension Array where Element == UInt8 {
    /// Bytes from a hex string; whitespace is ignored.
    init(hex: String) {
        let digits = hex.filter { !$0.isWhitespace }
        var bytes: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            bytes.append(UInt8(digits[index..<next], radix: 16) ?? 0)
            index = next
        }
        self = bytes
    }
}
