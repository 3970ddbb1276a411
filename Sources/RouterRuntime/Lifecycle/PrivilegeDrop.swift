import RouterConfig

#if canImport(Glibc)
import Glibc
#endif

/// The process-wide privilege drop of `--uid` / `--gid` and the router-prefixed owner options
/// (`--http-uid`, `--fastrouter-gid`, …), carried out once every socket is bound.
///
/// uWSGI drops per gateway process; fleetrouter is one process, so every owner option given
/// must name the same user (and group). The order is uWSGI's and the only safe one: the
/// supplementary group list, then the gid, then the uid (after `setuid` the others are no longer
/// allowed). The result is read back (real, effective and saved ids, the group list) and a
/// process that could still regain root is refused.
struct PrivilegeDrop: Sendable, Equatable {
    /// The uid to become, if a user was named.
    var uid: uid_t?
    /// The gid to become.
    var gid: gid_t
    /// The supplementary groups to hold (the user's groups, or just `gid`).
    var groups: [gid_t]
    /// The options as written, for messages (`--uid nobody --gid nogroup`).
    var described: String

    /// How names become ids: the system's account database by default, injected in tests.
    struct Accounts: Sendable {
        /// A user by name or number: its uid, primary gid and name (nil when unknown; a
        /// number without a passwd entry gives its uid, no gid and no name).
        var user: @Sendable (String) -> (uid: uid_t, gid: gid_t?, name: String?)?
        /// A group by name or number.
        var group: @Sendable (String) -> gid_t?
        /// The supplementary groups of a named user whose primary group is `gid`.
        var groupList: @Sendable (String, gid_t) -> [gid_t]
    }

    /// The drop `configuration` asks for, or nil when no owner option is given. Refuses owner
    /// options that disagree, unknown users or groups, and a numeric uid without a passwd entry
    /// when no gid is given (the process would keep root's group).
    static func plan(_ configuration: RouterConfiguration, accounts: Accounts = .system) throws(FleetRouterError) -> PrivilegeDrop? {
        var users: [(option: String, value: String)] = configuration.uid.map { [("--uid", $0)] } ?? []
        var groups: [(option: String, value: String)] = configuration.gid.map { [("--gid", $0)] } ?? []
        for spec in configuration.routers {
            if let uid = spec.uid { users.append(("--\(spec.kind.prefix)-uid", uid)) }
            if let gid = spec.gid { groups.append(("--\(spec.kind.prefix)-gid", gid)) }
        }
        guard !users.isEmpty || !groups.isEmpty else { return nil }
        let user = try agreed(users)
        let group = try agreed(groups)
        let described = ((users.first.map { ["\($0.option) \($0.value)"] } ?? [])
            + (groups.first.map { ["\($0.option) \($0.value)"] } ?? [])).joined(separator: " ")
        var account: (uid: uid_t, gid: gid_t?, name: String?)?
        if let user {
            guard let found = accounts.user(user.value) else {
                throw .unsupported(option: "\(user.option) \(user.value)", reason: "no such user; give a user name or a numeric uid")
            }
            account = found
        }
        var gid: gid_t
        if let group {
            guard let found = accounts.group(group.value) else {
                throw .unsupported(option: "\(group.option) \(group.value)", reason: "no such group; give a group name or a numeric gid")
            }
            gid = found
        } else if let primary = account?.gid {
            gid = primary
        } else {
            throw .unsupported(option: "\(user?.option ?? "--uid") \(user?.value ?? "")",
                               reason: "this uid has no passwd entry, so its group is unknown; give --gid too")
        }
        var list = [gid]
        if let name = account?.name {
            list = accounts.groupList(name, gid)
            if !list.contains(gid) { list.insert(gid, at: 0) }
        }
        return PrivilegeDrop(uid: account?.uid, gid: gid, groups: list, described: described)
    }

    /// The one value every option of a kind gives, or an error naming two that differ.
    private static func agreed(_ values: [(option: String, value: String)]) throws(FleetRouterError) -> (option: String, value: String)? {
        guard let first = values.first else { return nil }
        if let other = values.first(where: { $0.value != first.value }) {
            throw .unsupported(
                option: "\(other.option) \(other.value)",
                reason: "differs from \(first.option) \(first.value); fleetrouter is one process and drops privileges once, so run one process per user")
        }
        return first
    }

    /// Drops to the planned ids: group list, gid, uid, then reads them back. Returns the
    /// startup line naming the ids now held. A process not running as root may only "drop" to
    /// the ids it already has.
    func apply() throws(FleetRouterError) -> String {
        let wasRoot = geteuid() == 0
        if !wasRoot {
            guard uid.map({ $0 == getuid() && $0 == geteuid() }) ?? true, gid == getgid(), gid == getegid() else {
                throw failure("not running as root, so the ids cannot change (started as uid \(geteuid()) gid \(getegid()))")
            }
        } else {
            guard groups.withUnsafeBufferPointer({ setgroups($0.count, $0.baseAddress) }) == 0 else { throw failure("setgroups: \(lastError())") }
            guard setgid(gid) == 0 else { throw failure("setgid(\(gid)): \(lastError())") }
            if let uid, setuid(uid) != 0 { throw failure("setuid(\(uid)): \(lastError())") }
        }
        let held = Self.current()
        guard held.gids.allSatisfy({ $0 == gid }) else { throw failure("gids are now \(held.gids), expected \(gid)") }
        if let uid {
            guard held.uids.allSatisfy({ $0 == uid }) else { throw failure("uids are now \(held.uids), expected \(uid)") }
            // Asked to leave root: a process that can still call setuid(0) has not left it.
            if uid != 0 && setuid(0) == 0 { throw failure("the process could regain root after the drop") }
        }
        if wasRoot && Set(held.groups) != Set(groups) {
            throw failure("supplementary groups are now \(held.groups), expected \(groups)")
        }
        return "fleetrouter: privileges dropped (\(described)): uid \(held.uids.first ?? 0) gid \(held.gids.first ?? 0) groups \(held.groups.map(String.init).joined(separator: ","))"
    }

    /// Real, effective, saved and filesystem uids and gids, and the supplementary groups, as
    /// the kernel reports them in `/proc/self/status` (Glibc's module has no `getresuid`).
    static func current() -> (uids: [uid_t], gids: [gid_t], groups: [gid_t]) {
        var bytes: [UInt8] = []
        let fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                bytes += chunk.prefix(count)
            }
            close(fd)
        }
        var fields: [String: [UInt32]] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, ["Uid", "Gid", "Groups"].contains(parts[0]) else { continue }
            fields[String(parts[0])] = parts[1].split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { UInt32($0) }
        }
        // Unreadable ids read as root's, so a failed read can never pass for a completed drop.
        return (fields["Uid"] ?? [0], fields["Gid"] ?? [0], fields["Groups"] ?? [])
    }

    private func failure(_ reason: String) -> FleetRouterError {
        .unsupported(option: described, reason: "privilege drop failed, refusing to run: \(reason)")
    }

    private func lastError() -> String { String(cString: strerror(errno)) }
}

extension PrivilegeDrop.Accounts {
    /// The system's account database (`getpwnam_r`, `getgrnam_r`, `getgrouplist`).
    static let system = PrivilegeDrop.Accounts(
        user: { text in
            var entry = passwd()
            var result: UnsafeMutablePointer<passwd>?
            var buffer = [CChar](repeating: 0, count: 16384)
            let number = UInt32(text).flatMap { $0 == UInt32.max ? nil : uid_t($0) }
            let status = buffer.withUnsafeMutableBufferPointer { bytes in
                if let number { getpwuid_r(number, &entry, bytes.baseAddress!, bytes.count, &result) }
                else { getpwnam_r(text, &entry, bytes.baseAddress!, bytes.count, &result) }
            }
            guard status == 0, result != nil else { return number.map { ($0, nil, nil) } }
            return (entry.pw_uid, entry.pw_gid, String(cString: entry.pw_name))
        },
        group: { text in
            if let number = UInt32(text), number != UInt32.max { return gid_t(number) }
            var entry = Glibc.group()
            var result: UnsafeMutablePointer<Glibc.group>?
            var buffer = [CChar](repeating: 0, count: 16384)
            let status = buffer.withUnsafeMutableBufferPointer { getgrnam_r(text, &entry, $0.baseAddress!, $0.count, &result) }
            guard status == 0, result != nil else { return nil }
            return entry.gr_gid
        },
        groupList: { name, gid in
            var count: CInt = 64
            for _ in 0..<4 {
                var list = [gid_t](repeating: 0, count: Int(count))
                if getgrouplist(name, gid, &list, &count) >= 0 { return Array(list.prefix(Int(count))) }
                count = min(count * 2, 65536)
            }
            return [gid]
        })
}
