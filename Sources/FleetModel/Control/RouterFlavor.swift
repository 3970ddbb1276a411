import RouterWire

/// Which software produced a stats document, which decides how it can be edited.
public enum RouterFlavor: String, Sendable, Hashable, CaseIterable {
    /// Fleettop's router: has an admin API and operator state.
    case fleetrouter
    /// A real uWSGI router: edits only through subscription packets.
    case uwsgi

    /// Reads the flavor from Fleettop's added keys: any of `kind`, `admin`, `cheap_mode` or
    /// `sessions` means fleetrouter (uWSGI never emits them).
    public init(document: StatsDocument) {
        let fleettopKeys = document.kind != nil || document.admin != nil
            || document.cheapMode != nil || document.sessions != nil
        self = fleettopKeys ? .fleetrouter : .uwsgi
    }
}
