#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--xxx-use-code-string 18:FILE:FUNC`: a C-ABI function in a shared object, called on the
/// forwarder's own threads (never a data-plane loop).
///
/// The function's exact signature:
///
/// ```c
/// int FUNC(const char *key, size_t key_len, char *out, size_t out_cap, unsigned int *ttl_seconds);
/// ```
///
/// `key` holds `key_len` bytes (NUL-terminated after them for convenience; a key may contain
/// any byte). The function writes the node address (`host:port`, a unix path, `@abstract`, each
/// optionally followed by `,modifier1`) into `out`, at most `out_cap` bytes and no NUL needed,
/// and returns its length; 0 means the key has no node; a negative value is a failure (the
/// requests for the key get a 502 or a close). `*ttl_seconds` starts at 0 (do not reuse the
/// answer); set it to let the router reuse the answer that long. The function may be called
/// from several threads at once and must be thread-safe. In Swift: `@_cdecl("route") func
/// route(_ key: UnsafePointer<CChar>, _ keyLength: Int, _ out: UnsafeMutablePointer<CChar>,
/// _ capacity: Int, _ ttl: UnsafeMutablePointer<UInt32>) -> Int32`.
final class SharedObjectCodeResolver: CodeResolver {
    typealias Function = @convention(c) (
        UnsafePointer<CChar>?, Int, UnsafeMutablePointer<CChar>?, Int, UnsafeMutablePointer<UInt32>?
    ) -> Int32

    /// The modifier1 `-use-code-string` must carry: uWSGI's symcall plugin, which calls a C symbol.
    static let modifier1 = 18

    let file: String
    let symbol: String
    private let function: Function
    private let pool: BlockingCallPool

    /// Loads `file` and finds `symbol` in it; the error names whichever is missing.
    /// The call pool's threads start only once the checks pass: a refused start leaves none.
    init(file: String, symbol: String) throws(CodeResolverLoadError) {
        guard let handle = dlopen(file, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown error"
            throw CodeResolverLoadError(what: "shared object \(file)", reason: reason)
        }
        _ = dlerror()
        guard let address = dlsym(handle, symbol) else {
            let reason = dlerror().map { String(cString: $0) } ?? "not found"
            dlclose(handle)
            throw CodeResolverLoadError(what: "function \(symbol) in \(file)", reason: reason)
        }
        // The handle stays open for the life of the process, as the function does.
        self.file = file
        self.symbol = symbol
        self.function = unsafeBitCast(address, to: Function.self)
        self.pool = BlockingCallPool()
    }

    func resolve(key: [UInt8]) async throws -> CodeRoute {
        let function = self.function
        let symbol = self.symbol
        return try await pool.run { () throws(CodeResolverError) -> CodeRoute in
            try Self.call(function, symbol: symbol, key: key)
        }
    }

    /// Stops the pool's threads.
    func shutdown() {
        pool.shutdown()
    }

    private static func call(_ function: Function, symbol: String, key: [UInt8]) throws(CodeResolverError) -> CodeRoute {
        let capacity = CodeRoute.maximumAddressLength
        var out = [CChar](repeating: 0, count: capacity)
        var ttl: UInt32 = 0
        var terminated = key.map { CChar(bitPattern: $0) }
        terminated.append(0)
        let length = terminated.withUnsafeBufferPointer { keyBuffer in
            out.withUnsafeMutableBufferPointer { outBuffer in
                function(keyBuffer.baseAddress, key.count, outBuffer.baseAddress, capacity, &ttl)
            }
        }
        guard length >= 0 else { throw .failed("\(symbol) returned \(length)") }
        guard Int(length) <= capacity else {
            throw .invalidAnswer("\(symbol) returned a length of \(length); at most \(capacity) (out_cap) expected")
        }
        let bytes = out.prefix(Int(length)).map { UInt8(bitPattern: $0) }
        return try CodeRoute(parsing: bytes, ttl: .seconds(Int64(ttl)))
    }
}

/// A code forwarder that cannot be set up: names the file, function or socket and why.
struct CodeResolverLoadError: Error, CustomStringConvertible {
    var what: String
    var reason: String

    var description: String { "cannot load \(what): \(reason)" }
}
