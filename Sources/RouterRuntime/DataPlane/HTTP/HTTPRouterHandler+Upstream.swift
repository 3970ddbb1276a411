import Logging
import NIOCore

extension Logger.Level {
    /// Whether connect failures should stay out of the log (`--xxx-quiet`).
    var isQuiet: Bool { self > .notice }
}
