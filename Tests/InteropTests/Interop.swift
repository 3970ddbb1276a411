import Testing

/// Interop tests against real uWSGI 2.0.21 on loopback (reference peer: Debian's `uwsgi-core`
/// and `uwsgi-plugin-python3`). Every suite is nested here and runs one test at a time: the
/// tests start real uWSGI and fleetrouter processes on a two-core machine, and their timing
/// checks (header timeout, in-flight drain, kill under load) must not compete with each other.
///
/// - `Harness/`: the harness itself, against uWSGI alone (runs without fleetrouter).
/// - `Fleetrouter/`: fleetrouter's executable with real uWSGI nodes and routers, through its
///   command line, its stderr startup lines, its stats server and its admin API.
///
/// In CI (`CI=true`) nothing is skipped: a missing uWSGI or fleetrouter fails the tests.
@Suite("Interop with real uWSGI", .serialized)
enum Interop {}
