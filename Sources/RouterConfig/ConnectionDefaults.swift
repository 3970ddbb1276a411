/// The default connection caps of each kind of listener (HAProxy's `maxconn`).
public enum ConnectionDefaults {
    /// Default cap of each data-plane listener (`--xxx-max-connections`).
    public static let dataPlane = 10_000
    /// Default cap of each stats server (`--stats-max-connections`).
    public static let stats = 64
    /// Default cap of the admin API (`--admin-max-connections`).
    public static let admin = 64
}
