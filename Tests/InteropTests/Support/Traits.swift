import Testing

extension Trait where Self == ConditionTrait {
    /// Runs the test when fleetrouter is built and uWSGI is installed; in CI always (so that a
    /// missing one fails it), elsewhere skipped with a notice naming what is missing.
    static var requiresFleetrouter: Self {
        .enabled(if: FleetrouterBinary.enabled, Comment(rawValue: FleetrouterBinary.skipNotice))
    }

    /// Runs the test when uWSGI is installed; in CI always.
    static var requiresUwsgi: Self {
        .enabled(if: Uwsgi.enabled, Comment(rawValue: Uwsgi.skipNotice))
    }
}
