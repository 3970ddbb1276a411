/// How far an edit sent to a fleetrouter router reaches within that router's process.
///
/// One fleetrouter process can run several routers (HTTP, fast, raw), all behind one admin
/// API. An edit made on one router names that router (`?router=` from its stats'
/// `admin_router`), so its neighbours are never changed by surprise. Only a fleet-wide action
/// asks for the whole process (`?router=*`), and its confirmation says so. A uWSGI router is
/// edited through its own subscription server, which reaches that router alone either way.
public enum EditReach: Sendable, Hashable {
    /// The router the edit was planned for, and no other router of its process.
    case chosenRouter
    /// Every router of the chosen router's process (`?router=*`).
    case everyRouterOfProcess
}
