import NIOCore

/// The routing key under `--subscription-mountpoints N`: the host, then `/` and each of the
/// first N non-empty segments of the request path (`example.com` + `/api/v1/x?q` with N = 1 →
/// `example.com/api`). The query is never part of it; segments past the path's end are absent,
/// so a short path gives a shorter key (and the subscription lookup falls back to the host).
public enum MountpointKey {
    /// Builds the key from `host` and `path` (the request URI or `PATH_INFO`).
    public static func make(host: some Collection<UInt8>, path: some Collection<UInt8>, segments: Int) -> ByteBuffer {
        ByteBuffer(bytes: bytes(host: host, path: path, segments: segments))
    }

    /// `make`, as bytes.
    public static func bytes(host: some Collection<UInt8>, path: some Collection<UInt8>, segments: Int) -> [UInt8] {
        var key = Array(host)
        guard segments > 0 else { return key }
        var taken = 0
        var current: [UInt8] = []
        for byte in path {
            if byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#") { break }
            if byte == UInt8(ascii: "/") {
                if !current.isEmpty {
                    key.append(UInt8(ascii: "/"))
                    key += current
                    current.removeAll(keepingCapacity: true)
                    taken += 1
                    if taken == segments { return key }
                }
            } else {
                current.append(byte)
            }
        }
        if !current.isEmpty && taken < segments {
            key.append(UInt8(ascii: "/"))
            key += current
        }
        return key
    }
}
