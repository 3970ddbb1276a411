import Logging

extension DataPlane {
    /// The data plane's logger for a router: with `--xxx-quiet` its level is raised above
    /// `notice`, the level of the "unable to connect() to node" lines, so they are dropped (in
    /// uWSGI, quiet is a log level); warnings and errors still show.
    static func logger(_ base: Logger, quiet: Bool) -> Logger {
        guard quiet, base.logLevel <= .notice else { return base }
        var logger = base
        logger.logLevel = .warning
        return logger
    }
}
