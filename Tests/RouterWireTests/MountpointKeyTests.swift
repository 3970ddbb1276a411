import NIOCore
import Testing
import RouterWire

@Suite("--subscription-mountpoints keys")
struct MountpointKeyTests {
    @Test("host + the first N non-empty path segments; the query and fragment never count", arguments: [
        ("/api/v1/users?id=1", 1, "example.com/api"),
        ("/api/v1/users?id=1", 2, "example.com/api/v1"),
        ("/api/v1/users", 5, "example.com/api/v1/users"),
        ("//api//v1", 2, "example.com/api/v1"),
        ("/", 1, "example.com"),
        ("/?q=/x/y", 1, "example.com"),
        ("/a#/b", 2, "example.com/a"),
        ("/api/v1", 0, "example.com"),
        ("", 3, "example.com"),
    ])
    func keys(path: String, segments: Int, expected: String) {
        let key = MountpointKey.make(host: "example.com".utf8, path: path.utf8, segments: segments)
        #expect(String(buffer: key) == expected)
        #expect(MountpointKey.bytes(host: "example.com".utf8, path: path.utf8, segments: segments) == Array(expected.utf8))
    }
}
