import Foundation
import Testing
@testable import RouterConfig

@Suite struct ConfigurationFileTests {
    static let argv = [
        "--http", "127.0.0.1:18080", "--http", "/run/http.sock",
        "--http-subscription-server", "127.0.0.1:17070",
        "--http-stats", "127.0.0.1:17080", "--http-keepalive", "--http-websockets",
        "--http-var", "A=1", "--http-var", "B=2", "--http-quiet", "1",
        "--subscription-tolerance", "30", "--stats-http",
        "--fastrouter", ":3000", "--fastrouter-to", "127.0.0.1:3031", "--fastrouter-to", "127.0.0.1:3032",
    ]

    static let ini = """
        ; the same router as argv
        [uwsgi]
        plugin = http
        http = 127.0.0.1:18080
        http = /run/http.sock
        http-subscription-server = 127.0.0.1:17070
        # stats of the router, not of the instance
        http-stats = 127.0.0.1:17080
        http-keepalive
        http-websockets = true
        http-var = A=1
        http-var = B=2
        http-quiet = 1
        subscription-tolerance = 30
        stats-http = true

        [other]
        http-timeout = not read at all

        [uwsgi]
        fastrouter = :3000
        fastrouter-to = 127.0.0.1:3031
        fastrouter-to = 127.0.0.1:3032
        """

    static let yaml = """
        uwsgi:
          plugin: http
          http:
            - 127.0.0.1:18080
            - /run/http.sock
          http-subscription-server: 127.0.0.1:17070
          http-stats: 127.0.0.1:17080
          http-keepalive:
          http-websockets: true
          http-var: [A=1, B=2]
          http-quiet: 1
          subscription-tolerance: 30
          stats-http: yes
          fastrouter: :3000
          fastrouter-to: [127.0.0.1:3031, 127.0.0.1:3032]
        other:
          ignored: entirely
        """

    @Test func iniAndYamlGiveTheSameConfigurationAsArgv() throws {
        let fromArgv = try parse(Self.argv).configuration
        let fromIni = try parse(["--ini", "router.ini"], files: ["router.ini": Self.ini])
        let fromYaml = try parse(["--yaml", "router.yaml"], files: ["router.yaml": Self.yaml]).configuration
        #expect(fromIni.configuration == fromArgv)
        #expect(fromYaml == fromArgv)
        #expect(fromIni.notices == ["ignored: --plugin http (uWSGI-only: fleetrouter has every router built in)"])
    }

    @Test func filesApplyInPlaceAmongOtherOptions() throws {
        let files = ["a.ini": "[uwsgi]\nhttp-timeout = 10\nhttp-to = 10.0.0.2:1\n"]
        let before = try parse(["--http", ":80", "--http-timeout", "5", "--ini", "a.ini"], files: files).configuration
        #expect(before.router(.http)?.timeout == 10)
        let after = try parse(["--http", ":80", "--ini", "a.ini", "--http-timeout", "5", "--http-to", "10.0.0.1:1"], files: files).configuration
        #expect(after.router(.http)?.timeout == 5)
        #expect(after.router(.http)?.staticNodes.map(\.configured) == ["10.0.0.2:1", "10.0.0.1:1"])
        // uWSGI reads a bare *.ini / *.yaml argument as a configuration file.
        #expect(try parse(["a.ini", "--http", ":80"], files: files).configuration == before)
    }

    @Test func filesMayIncludeFilesButNotThemselves() throws {
        let files = ["outer.ini": "[uwsgi]\nhttp = :80\nyaml = inner.yaml\n",
                     "inner.yaml": "uwsgi:\n  http-to: h:1\n",
                     "loop.ini": "[uwsgi]\nini = loop.ini\n"]
        #expect(try parse(["--ini", "outer.ini"], files: files).configuration.router(.http)?.staticNodes.count == 1)
        let error = try #require(parseError(["--ini", "loop.ini"], files: files))
        #expect(error.source == .file(path: "loop.ini", line: 2))
        #expect(error.description.contains("includes itself"))
    }

    @Test func badIniLineNamesFileAndLine() throws {
        let files = ["bad.ini": "[uwsgi]\nhttp = :80\n= 5\n"]
        let error = try #require(parseError(["--ini", "bad.ini"], files: files))
        #expect(error.source == .file(path: "bad.ini", line: 3))
        #expect(error.description == "bad.ini:3: bad.ini: malformed line '= 5': expected 'option = value' or a bare 'option'")
        let header = try #require(parseError(["--ini", "h.ini"], files: ["h.ini": "[uwsgi\nhttp = :80\n"]))
        #expect(header.source == .file(path: "h.ini", line: 1))
    }

    @Test func unknownAndMalformedOptionsInFilesNameFileAndLine() throws {
        let ini = try #require(parseError(["--ini", "r.ini"], files: ["r.ini": "[uwsgi]\n\nhttp = :80\nhttp-websocket = 1\n"]))
        #expect(ini.description == "r.ini:4: unknown option --http-websocket; did you mean --http-websockets?")
        let yaml = try #require(parseError(["--yaml", "r.yaml"], files: ["r.yaml": "uwsgi:\n  http: :80\n  http-timeout: soon\n"]))
        #expect(yaml.source == .file(path: "r.yaml", line: 3))
        #expect(yaml.problem == .invalidValue("soon", expected: "an integer (seconds) between 1 and 31536000"))
        let nested = try #require(parseError(["--yaml", "n.yaml"], files: ["n.yaml": "uwsgi:\n  http:\n    a: b\n"]))
        #expect(nested.source == .file(path: "n.yaml", line: 2))
        #expect(parseError(["--yaml", "x.yaml"], files: ["x.yaml": "router:\n  http: :80\n"])?.problem == .badFile(reason: "no uwsgi: mapping"))
        #expect(parseError(["--yaml", "x.yaml"], files: ["x.yaml": "uwsgi: [\n"]) != nil)
        #expect(parseError(["--ini", "x.ini"], files: ["x.ini": "[app]\nhttp = :80\n"])?.problem == .badFile(reason: "no [uwsgi] section"))
        let missing = try #require(parseError(["--http", ":80", "--ini", "absent.ini"]))
        #expect(missing.source == .commandLine(position: 3))
        #expect(missing.problem == .badFile(reason: "cannot read absent.ini: no such file: absent.ini"))
    }

    @Test func realTemporaryFiles() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("fleetrouter-config-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let iniPath = directory.appendingPathComponent("router.ini").path
        let yamlPath = directory.appendingPathComponent("router.yaml").path
        try Self.ini.write(toFile: iniPath, atomically: true, encoding: .utf8)
        try Self.yaml.write(toFile: yamlPath, atomically: true, encoding: .utf8)
        let reader: (String) throws -> String = { try String(contentsOfFile: $0, encoding: .utf8) }
        let expected = try parse(Self.argv).configuration
        #expect(try RouterConfiguration.parse(arguments: ["--ini", iniPath], fileReader: reader).0 == expected)
        #expect(try RouterConfiguration.parse(arguments: ["--yaml=\(yamlPath)"], fileReader: reader).0 == expected)
        #expect(throws: ConfigurationError.self) {
            try RouterConfiguration.parse(arguments: ["--ini", directory.appendingPathComponent("none.ini").path], fileReader: reader)
        }
    }
}
