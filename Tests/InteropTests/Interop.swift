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
/// Elsewhere they are skipped with a notice. fleetrouter is the binary SwiftPM built next to
/// the test bundle; `FLEETROUTER_BIN=/path/to/fleetrouter` tests another build.
///
/// Support/ holds the harness: `ManagedProcess` (children watched line by line, waits are
/// events with deadlines), `UwsgiProcess` and `FleetrouterProcess` on top of it,
/// `InteropFleet` (one test's processes and directory, always torn down), and small blocking
/// clients with deadlines: `HTTPClient`, `StatsProbe`, `AdminClient`, `SubscriptionDatagram`,
/// `LoadGenerator`.
@Suite("Interop with real uWSGI", .serialized)
enum Interop {}
