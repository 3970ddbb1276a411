/// The code mapper (`--xxx-use-code-string`): Swift code that turns a key into an address.
///
/// Called on every lookup with the router's core state locked (or on its event loop), so it
/// must not block: no I/O, no locks held for long, no waiting. Return nil for "no backend".
public protocol RouteResolver: Sendable {
    /// The node for `key`, or nil when the key has no backend.
    func resolve(key: RouteKey) -> NodeAddress?
}
