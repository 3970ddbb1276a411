import Foundation
import Testing
@testable import RouterRuntime

/// A stand-in for the operator state RouterCore will define.
struct SampleState: Codable, Sendable, Equatable {
    var drained: [String]
    var weights: [String: Int]
    var cheap: String
}

@Suite("StateFile")
struct StateFileTests {
    let sample = SampleState(drained: ["app.local|127.0.0.1:3031"], weights: ["app.local|127.0.0.1:3032": 5], cheap: "on")

    @Test("a missing file is empty state")
    func missing() throws {
        let dir = try makeTempDirectory()
        defer { removeDirectory(dir) }
        #expect(try StateFile<SampleState>(path: "\(dir)/state.json").load() == nil)
    }

    @Test("saved content survives a reload; a second save replaces it and leaves no temp file")
    func roundTrip() throws {
        let dir = try makeTempDirectory()
        defer { removeDirectory(dir) }
        let file = StateFile<SampleState>(path: "\(dir)/state.json")
        try file.save(sample)
        #expect(try StateFile<SampleState>(path: "\(dir)/state.json").load() == sample)
        var changed = sample
        changed.cheap = "auto"
        try file.save(changed)
        #expect(try file.load() == changed)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["state.json"])
    }

    @Test("a crash between write and rename leaves the old content; the temp file is ignored")
    func crashBeforeRename() throws {
        let dir = try makeTempDirectory()
        defer { removeDirectory(dir) }
        let file = StateFile<SampleState>(path: "\(dir)/state.json")
        try file.save(sample)
        // What a crash after writing the temp file but before rename leaves behind: a torn one.
        let leftover = "\(dir)/\(file.tempPrefix)999-1"
        #expect(FileManager.default.createFile(atPath: leftover, contents: Data(#"{"drained":["#.utf8)))
        let unrelated = "\(dir)/state.json.tmp"
        #expect(FileManager.default.createFile(atPath: unrelated, contents: Data("not ours".utf8)))
        #expect(try file.load() == sample)
        var changed = sample
        changed.drained = []
        try file.save(changed)
        #expect(try file.load() == changed)
        #expect(FileManager.default.contents(atPath: unrelated) == Data("not ours".utf8))
    }

    @Test("a corrupt file is refused with an error naming it; setAside moves it and starts empty")
    func corrupt() throws {
        let dir = try makeTempDirectory()
        defer { removeDirectory(dir) }
        let path = "\(dir)/state.json"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("{ not json".utf8)))
        let file = StateFile<SampleState>(path: path)
        do {
            _ = try file.load()
            Issue.record("a corrupt file loaded")
        } catch {
            guard case .corrupt(let named, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(named == path)
            #expect("\(error)".contains(path))
        }
        #expect(FileManager.default.contents(atPath: path) == Data("{ not json".utf8)) // untouched
        #expect(try file.load(corrupt: .setAside) == nil)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(names.count == 1 && names[0].hasPrefix("state.json.corrupt-"))
    }

    @Test("saving into a missing directory fails with an error naming the file")
    func saveFailure() throws {
        let file = StateFile<SampleState>(path: "/nonexistent-dir-\(UInt32.random(in: 0...UInt32.max))/state.json")
        #expect(throws: StateFileError.self) { try file.save(sample) }
    }
}
