import Foundation
import NIOCore
import Testing
@testable import RouterRuntime

@Suite("Post-buffering spool files")
struct SpoolFileTests {
    @Test("a spool file has no name in its directory, reads back what was appended, and is gone when released")
    func roundTrip() throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        var spool = ConnectionSpool(directory: directory)
        #expect(spool.append(ByteBuffer(string: "hello ")) == nil)
        #expect(spool.append(ByteBuffer(string: "world")) == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        #expect(spool.file?.length == 11)
        #expect(try spool.read(at: 6, count: 5).get() == ByteBuffer(string: "world"))
        #expect(try spool.read(at: 0, count: 11).get() == ByteBuffer(string: "hello world"))
        spool.release()
        #expect(spool.file == nil)
        // The next request starts a new, empty file.
        #expect(spool.append(ByteBuffer(string: "x")) == nil)
        #expect(spool.file?.length == 1)
    }

    @Test("a read past what was written fails, naming the directory")
    func shortRead() throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        var spool = ConnectionSpool(directory: directory)
        _ = spool.append(ByteBuffer(string: "abc"))
        guard case .failure(let error) = spool.read(at: 2, count: 5) else {
            Issue.record("a read past the end succeeded")
            return
        }
        #expect(error.description.contains(directory))
    }

    @Test("a missing directory is an error naming it and the errno")
    func missingDirectory() throws {
        let parent = try makeTempDirectory()
        defer { removeDirectory(parent) }
        var spool = ConnectionSpool(directory: parent + "/missing")
        guard let error = spool.append(ByteBuffer(string: "abc")) else {
            Issue.record("a spool file was made in a missing directory")
            return
        }
        #expect(error.errno == ENOENT)
        #expect(error.description == "post-buffering: cannot create a temp file in \(parent)/missing: No such file or directory (errno 2)")
        #expect(spool.file == nil)
    }

    @Test("the default directory is $TMPDIR, else /tmp")
    func defaultDirectory() {
        let expected = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        #expect(ConnectionSpool.defaultDirectory() == expected)
    }
}
