import Foundation
import Testing

extension Interop {
    /// The fleetrouter binary reloads its TLS certificates on SIGHUP, keeps running, and serves
    /// the new certificate to new clients (`openssl s_client` sees it).
    @Suite("fleetrouter reloads TLS certificates on SIGHUP", .requiresFleetrouter)
    struct TLSReloadSignalTests {
        /// The subject line `openssl s_client` prints for the certificate `endpoint` serves.
        static func servedSubject(_ endpoint: Endpoint, certificates: InteropCertificates) async throws -> String {
            let outcome = try await ExternalCommand.run("openssl", [
                "s_client", "-connect", "127.0.0.1:\(endpoint.port ?? 0)", "-CAfile", certificates.file("ca.crt"),
            ], in: certificates.directory.path, input: "")
            return outcome.output.split(separator: "\n").first { $0.hasPrefix("subject=") }.map(String.init) ?? "(none)\n\(outcome.errors)"
        }

        @Test("SIGHUP swaps a renewed certificate in; the process keeps serving; a broken file keeps the old one")
        func sighup() async throws {
            try await InteropFleet.run { fleet in
                let certificates = try await InteropCertificates.make(in: fleet.directory)
                try await certificates.issue("renewed", subject: "/CN=renewed", names: ["localhost"])
                let live = (certificate: fleet.directory.file("live.crt"), key: fleet.directory.file("live.key"))
                func install(_ name: String) throws {
                    for (from, to) in [("\(name).crt", live.certificate), ("\(name).key", live.key)] {
                        try? FileManager.default.removeItem(atPath: to)
                        try FileManager.default.copyItem(atPath: certificates.file(from), toPath: to)
                    }
                }
                try install("server")
                let router = try await fleet.startRouter(FleetrouterArguments.httpRouter(in: fleet.directory, extra: [
                    "--https", "127.0.0.1:0,\(live.certificate),\(live.key)",
                ]))
                let https = try #require(router.bindings.filter { $0.role == .listener && $0.router == "http" }.last?.actual)
                #expect(try await Self.servedSubject(https, certificates: certificates).contains("localhost"))

                try install("renewed")
                #expect(kill(router.process.pid, SIGHUP) == 0)
                var subject = ""
                let deadline = ContinuousClock.now + .seconds(10)
                while ContinuousClock.now < deadline {
                    subject = try await Self.servedSubject(https, certificates: certificates)
                    if subject.contains("renewed") { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(subject.contains("renewed"), "\(subject)\n\(router.process.logTail)")

                // A key that is not the certificate's: the old context stays, the process too.
                try FileManager.default.removeItem(atPath: live.key)
                try FileManager.default.copyItem(atPath: certificates.file("server.key"), toPath: live.key)
                #expect(kill(router.process.pid, SIGHUP) == 0)
                let badKey = live.key
                // Throws (fails the test) unless the failure is logged naming the file.
                try await router.process.waitForLine("the reload failure naming \(badKey)", timeout: .seconds(10)) { line in
                    line.contains("TLS reload kept the old certificate") && line.contains(badKey)
                }
                #expect(try await Self.servedSubject(https, certificates: certificates).contains("renewed"))
                #expect(router.process.exitStatus == nil)
            }
        }
    }
}
