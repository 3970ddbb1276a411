#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How much slower than a plain build the tests run: `Tests/Sanitizers/run.sh` sets
/// `FLEETTOP_SANITIZER` to the sanitizer it builds with.
///
/// Only a bound that IS what a test asserts ("stop returns within N s") or a duration that must
/// outlast the test's own steps (a slow request still running when an edit lands) is scaled;
/// everything else waits for conditions. The factors are estimates, not measurements: a whole
/// ThreadSanitizer run took about 8x the plain run's test time and AddressSanitizer about 3x on a
/// loaded 2-core machine, and each factor leaves some room above that.
public enum Slowdown {
    /// 1 for a plain build, 8 under ThreadSanitizer, 4 under AddressSanitizer.
    public static let factor: Int = {
        switch getenv("FLEETTOP_SANITIZER").map({ String(cString: $0) }) {
        case "thread": 8
        case "address": 4
        default: 1
        }
    }()

    /// `duration` scaled by `factor`.
    public static func scaled(_ duration: Duration) -> Duration { duration * factor }
}
