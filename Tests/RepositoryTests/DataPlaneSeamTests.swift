import Foundation
import Testing

/// The data plane's boundary names no NIO event-loop or channel type, so a second transport
/// (raw sockets on an epoll or io_uring loop) carries the same machines, policy and session
/// table: only the transport's own files (`NIOTransport`, the NIO handlers) may use them.
@Suite("Data-plane seam")
struct DataPlaneSeamTests {
    /// The files that make up the seam: what drivers, the engine and every transport share.
    static func seamFiles() -> [String] {
        let folders = [
            "Sources/RouterRuntime/DataPlane/Transport/",
            "Sources/RouterRuntime/DataPlane/Sessions/",
            "Sources/RouterRuntime/DataPlane/Machines/",
            "Sources/RouterRuntime/DataPlane/Routing/",
        ]
        let files = [
            "Sources/RouterRuntime/DataPlane/Relay/DataPlane.swift",
            "Sources/RouterRuntime/DataPlane/Upstream/UpstreamConnector.swift",
        ]
        return RepositoryFiles.paths(under: "Sources/RouterRuntime").filter { path in
            guard path.hasSuffix(".swift") else { return false }
            if files.contains(path) || folders.contains(where: path.hasPrefix) { return true }
            // The drivers' protocol constructors describe a machine, never a pipeline.
            if path.hasPrefix("Sources/RouterRuntime/Drivers/"), path.contains("/ClientProtocol+") { return true }
            // The engine's routing seam.
            return path.hasPrefix("Sources/RouterRuntime/Router/RouterEngine")
        }
    }

    /// `line: code` for each use of an event-loop or channel type in `text`, comments ignored.
    static func transportTypes(in text: String) -> [String] {
        let forbidden = /\b(?:EventLoop|Channel)[A-Za-z]*\b|\bNIOAny\b|\bNIOLoopBound[A-Za-z]*\b|\bimport\s+NIOPosix\b/
        var uses: [String] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let code = line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            for match in code.matches(of: forbidden) {
                uses.append("\(number + 1): \(code[match.range])")
            }
        }
        return uses
    }

    @Test("the scanner finds event-loop and channel types, so the check below can fail")
    func scannerWorks() {
        let caught = [
            "    func connect(on eventLoop: any EventLoop)",
            "    let group: any EventLoopGroup",
            "    func snapshot() -> EventLoopFuture<[SessionSnapshot]>",
            "    func flush(_ context: ChannelHandlerContext)",
            "    let channel: any Channel",
            "import NIOPosix",
            "    let ring: NIOLoopBoundBox<SessionRing>",
        ]
        for sample in caught {
            #expect(Self.transportTypes(in: sample).count == 1, "\(sample)")
        }
        let innocent = [
            "    let bytes: ByteBuffer",
            "    /// Runs on the client's event loop (an `EventLoop` in NIO).",
            "    let deadline: NIODeadline",
            "import NIOCore",
        ]
        for sample in innocent {
            #expect(Self.transportTypes(in: sample).isEmpty, "\(sample)")
        }
    }

    @Test("the seam files use no NIO event-loop or channel type")
    func seamIsTransportFree() throws {
        let files = Self.seamFiles()
        #expect(files.contains("Sources/RouterRuntime/DataPlane/Transport/DataPlaneTransport.swift"), "found the seam: \(files)")
        #expect(files.contains("Sources/RouterRuntime/DataPlane/Sessions/SessionTable.swift"))
        var offenders: [String] = []
        for path in files {
            offenders += Self.transportTypes(in: try RepositoryFiles.text(path)).map { "\(path):\($0)" }
        }
        #expect(offenders.isEmpty, "NIO event-loop or channel types in the data-plane seam:\n\(offenders.joined(separator: "\n"))")
    }
}
