import Glibc

/// A `sockaddr` built from an `Endpoint` (IPv4, IPv6 or unix, abstract included).
struct SocketAddress {
    /// AF_INET, AF_INET6 or AF_UNIX.
    let family: Int32
    private var storage = sockaddr_storage()
    private let length: socklen_t

    init(_ endpoint: Endpoint) throws {
        switch endpoint {
        case .inet(let host, let port):
            if host.contains(":") {
                var address = sockaddr_in6()
                address.sin6_family = sa_family_t(AF_INET6)
                address.sin6_port = port.bigEndian
                guard inet_pton(AF_INET6, host, &address.sin6_addr) == 1 else {
                    throw InteropError("endpoint \(endpoint): '\(host)' is not an IPv6 literal")
                }
                family = AF_INET6
                length = socklen_t(MemoryLayout<sockaddr_in6>.size)
                withUnsafeMutableBytes(of: &storage) { raw in withUnsafeBytes(of: address) { raw.copyMemory(from: $0) } }
            } else {
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = port.bigEndian
                guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
                    throw InteropError("endpoint \(endpoint): '\(host)' is not an IPv4 literal (the tests use loopback addresses only)")
                }
                family = AF_INET
                length = socklen_t(MemoryLayout<sockaddr_in>.size)
                withUnsafeMutableBytes(of: &storage) { raw in withUnsafeBytes(of: address) { raw.copyMemory(from: $0) } }
            }
        case .unix(let path):
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            var bytes = Array(path.utf8)
            let abstract = bytes.first == UInt8(ascii: "@")
            if abstract { bytes[0] = 0 }
            let capacity = MemoryLayout.size(ofValue: address.sun_path)
            guard bytes.count < capacity else {
                throw InteropError("unix socket path '\(path)' is \(bytes.count) bytes; at most \(capacity - 1) fit")
            }
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                raw.copyBytes(from: bytes)
            }
            family = AF_UNIX
            let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2
            // An abstract name is exactly its bytes; a path also counts its terminating zero.
            length = socklen_t(pathOffset + bytes.count + (abstract ? 0 : 1))
            withUnsafeMutableBytes(of: &storage) { raw in withUnsafeBytes(of: address) { raw.copyMemory(from: $0) } }
        }
    }

    /// Calls `body` with the address and its length.
    func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> T) rethrows -> T {
        try withUnsafePointer(to: storage) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, length) }
        }
    }
}
