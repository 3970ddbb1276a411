import Logging
import NIOSSL
import NIOConcurrencyHelpers
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A router's SNI certificates by server name, shared by all its TLS listeners (uWSGI's global
/// SNI list): `--sni` entries, contexts loaded on demand from `--sni-dir`, and those that
/// subscriptions carry (`sni_key`/`sni_crt`/`sni_ca`), added with their slot and removed with it.
///
/// Lookup follows uWSGI's `uwsgi_sni_cb`: exact name first, then with `--subscription-dotsplit`
/// the name with leading labels removed (`a.b.c` → `.b.c` → `.c`, at most 5 tries, and then
/// neither patterns nor the directory are consulted), else the first `--sni-regexp` pattern
/// that matches, else `<dir>/<name>.crt` and `.key` (and `.ca`).
/// Names are compared case-insensitively (DNS names are).
final class SNIRegistry: Sendable {
    /// One name's certificate.
    final class Entry: Sendable {
        /// The server name (lowercased).
        let name: String
        /// Its certificate, key, ciphers and client CA.
        let material: TLSContextMaterial
        /// Where it came from: `--sni`, `--sni-regexp`, `--sni-dir` or `subscription`.
        let source: String
        /// Unique per entry made, so a listener's cached context is rebuilt when its entry is
        /// replaced (an object identifier could be reused by the replacement).
        let generation: UInt64

        init(name: String, material: TLSContextMaterial, source: String) {
            self.name = name
            self.material = material
            self.source = source
            self.generation = Entry.generations.add(1, ordering: .relaxed).newValue
        }

        private static let generations = Atomic<UInt64>(0)
    }

    private let entries = NIOLockedValueBox<[String: Entry]>([:])
    /// `--sni-regexp` patterns in configuration order, each with the key of its entry in
    /// `entries` (`~` and the pattern: no SNI name can hold a `~`, so none collides).
    private let patterns = NIOLockedValueBox<[(pattern: SNIPattern, key: String)]>([])
    /// Names `--sni-dir` has no files for, so a client repeating one costs no more disk lookups.
    private let missing = NIOLockedValueBox<Set<String>>([])
    private let directory: String?
    private let directoryCiphers: String?
    private let dotsplit: Bool
    private let logger: Logger
    /// Certificates that could not be loaded (a subscription's, a `--sni-dir` file's).
    let failures = Atomic<UInt64>(0)

    /// The largest number of names remembered as missing from `--sni-dir`.
    static let missingLimit = 4096

    /// A registry with `--sni-dir`, `--sni-dir-ciphers` and `--subscription-dotsplit`.
    init(directory: String?, directoryCiphers: String?, dotsplit: Bool, logger: Logger) {
        self.directory = directory
        self.directoryCiphers = directoryCiphers
        self.dotsplit = dotsplit
        self.logger = logger
    }

    /// True when any SNI source is configured or present (stats `sni_enabled`).
    var isEnabled: Bool { directory != nil || !entries.withLockedValue { $0.isEmpty } }

    /// The names served now, with their certificate's expiry.
    var names: [(name: String, expiry: Int, source: String, certificate: String)] {
        entries.withLockedValue { $0.values.map { ($0.name, $0.material.expiry, $0.source, $0.material.certificateFile) } }.sorted { $0.name < $1.name }
    }

    /// Adds a `--sni "NAME CRT,KEY[,CIPHERS[,CA]]"` entry; a bad file fails the start, naming it.
    func addStatic(_ text: String) throws(TLSMaterialError) {
        let (name, material) = try Self.parse(text, what: "NAME")
        add(Entry(name: name.lowercased(), material: material, source: "--sni"))
    }

    /// Adds a `--sni-regexp "REGEXP CRT,KEY[,CIPHERS[,CA]]"` entry, tried after the exact names
    /// in the order given; a bad pattern or file fails the start, naming it.
    func addPattern(_ text: String) throws(TLSMaterialError) {
        let (source, material) = try Self.parse(text, what: "REGEXP")
        let pattern = try SNIPattern(source)
        let key = "~" + source
        add(Entry(name: key, material: material, source: "--sni-regexp"))
        patterns.withLockedValue { $0.append((pattern, key)) }
    }

    /// `FIRST CRT,KEY[,CIPHERS[,CA]]` → the first word and the material it names.
    private static func parse(_ text: String, what first: String) throws(TLSMaterialError) -> (String, TLSContextMaterial) {
        let form = "'\(first) CRT,KEY[,CIPHERS[,CA]]'"
        guard let space = text.firstIndex(of: " ") else {
            throw TLSMaterialError(file: text, reason: "is not \(form)")
        }
        let head = String(text[..<space])
        let files = text[text.index(after: space)...].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard !head.isEmpty, files.count >= 2 else { throw TLSMaterialError(file: text, reason: "is not \(form)") }
        let material = try TLSContextMaterial(
            certificateFile: files[0], keyFile: files[1], ciphers: files.count > 2 ? files[2] : nil,
            clientCAFile: files.count > 3 ? files[3] : nil)
        return (head, material)
    }

    /// Reads every entry's files again (`--sni`, and subscriptions' certificate files); an
    /// entry whose files are now bad keeps its old certificate and its error is returned.
    /// `--sni-dir` entries are forgotten, so the next handshake naming one loads it afresh.
    func reload() -> [TLSMaterialError] {
        let current = entries.withLockedValue { Array($0.values) }
        var errors: [TLSMaterialError] = []
        var replaced: [Entry] = []
        for entry in current where entry.source != "--sni-dir" && entry.material.isFromFiles {
            do {
                replaced.append(Entry(name: entry.name, material: try entry.material.reloaded(), source: entry.source))
            } catch {
                errors.append(error)
            }
        }
        entries.withLockedValue { entries in
            for entry in replaced where entries[entry.name]?.source == entry.source { entries[entry.name] = entry }
            entries = entries.filter { $0.value.source != "--sni-dir" }
        }
        missing.withLockedValue { $0.removeAll() }
        return errors
    }

    /// Adds (or replaces) a name's entry.
    func add(_ entry: Entry) {
        entries.withLockedValue { $0[entry.name] = entry }
    }

    /// Removes a name's entry if it is the one `source` added.
    func remove(name: String, source: String) {
        entries.withLockedValue { entries in
            if entries[name.lowercased()]?.source == source { entries[name.lowercased()] = nil }
        }
    }

    /// The entry serving `serverName`, if any (loading it from `--sni-dir` on first use).
    func entry(for serverName: String) -> Entry? {
        var name = serverName.lowercased()
        if let found = entries.withLockedValue({ $0[name] }) { return found }
        if dotsplit {
            var tries = 4
            while tries > 0, let dot = name.dropFirst().firstIndex(of: ".") {
                name = String(name[dot...])
                if let found = entries.withLockedValue({ $0[name] }) { return found }
                tries -= 1
            }
            return nil
        }
        let lowercased = serverName.lowercased()
        if let key = patterns.withLockedValue({ $0.first { $0.pattern.matches(lowercased) }?.key }),
           let found = entries.withLockedValue({ $0[key] }) {
            return found
        }
        return loadFromDirectory(lowercased)
    }

    /// `<dir>/<name>.crt` and `.key` (and `.ca` if present), once per name.
    private func loadFromDirectory(_ name: String) -> Entry? {
        guard let directory, !missing.withLockedValue({ $0.contains(name) }) else { return nil }
        let base = directory.hasSuffix("/") ? directory + name : directory + "/" + name
        guard access(base + ".crt", R_OK) == 0, access(base + ".key", R_OK) == 0 else {
            missing.withLockedValue { if $0.count < Self.missingLimit { $0.insert(name) } }
            return nil
        }
        do {
            let material = try TLSContextMaterial(
                certificateFile: base + ".crt", keyFile: base + ".key", ciphers: directoryCiphers,
                clientCAFile: access(base + ".ca", R_OK) == 0 ? base + ".ca" : nil)
            let entry = Entry(name: name, material: material, source: "--sni-dir")
            add(entry)
            return entry
        } catch {
            failures.add(1, ordering: .relaxed)
            missing.withLockedValue { if $0.count < Self.missingLimit { $0.insert(name) } }
            logger.warning("--sni-dir certificate unusable; the listener's own serves \(name)", metadata: ["error": "\(error)"])
            return nil
        }
    }
}
