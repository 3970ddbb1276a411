import Foundation

/// The reference captures copied into the test bundle.
enum Samples {
    static var directory: URL {
        get throws {
            guard let url = Bundle.module.url(forResource: "Samples", withExtension: nil) else {
                throw CocoaError(.fileNoSuchFile)
            }
            return url
        }
    }

    /// Files in a sample folder whose names match `predicate`, sorted by name.
    static func files(in folder: String, where predicate: (String) -> Bool) throws -> [URL] {
        let url = try self.directory.appendingPathComponent(folder)
        return try FileManager.default.contentsOfDirectory(atPath: url.path)
            .filter(predicate)
            .sorted()
            .map { url.appendingPathComponent($0) }
    }

    static func bytes(_ url: URL) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url))
    }
}
