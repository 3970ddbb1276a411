import Foundation

/// Finds the top-level `Themes/` folder: walking up from the executable (`.build/debug/fleettop`
/// lives inside the package) to the first directory holding both `Package.swift` and `Themes/`.
public enum ThemeDirectoryLocator {
    /// Directories walked up at most.
    public static let maximumDepth = 16

    /// The `Themes/` path for an executable at `executablePath`, or nil (built-ins then).
    public static func locate(executablePath: String, fileExists: (String) -> Bool = Self.exists) -> String? {
        var directory = (executablePath as NSString).deletingLastPathComponent
        for _ in 0..<maximumDepth {
            guard !directory.isEmpty else { return nil }
            let themes = (directory as NSString).appendingPathComponent("Themes")
            if fileExists((directory as NSString).appendingPathComponent("Package.swift")), fileExists(themes) {
                return themes
            }
            let parent = (directory as NSString).deletingLastPathComponent
            if parent == directory { return nil }
            directory = parent
        }
        return nil
    }

    /// The running executable's path (`/proc/self/exe`, else argv[0] made absolute).
    public static var executablePath: String {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return resolved
        }
        let argument = CommandLine.arguments.first ?? ""
        if argument.hasPrefix("/") { return argument }
        return (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(argument)
    }

    /// Whether a file or directory exists at `path`.
    public static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
}
