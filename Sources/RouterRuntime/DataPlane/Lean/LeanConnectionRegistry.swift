/// One listener's open client connections on one lean loop: for graceful stop (tell each to
/// finish, then close what is left) and to learn when the last one is gone.
final class LeanConnectionRegistry {
    private var connections: [LeanClientConnection] = []
    /// Called once when the registry empties after `whenEmpty` was set.
    private var onEmpty: (() -> Void)?
    /// Called for every connection removed (the listener's cap count).
    private let onRemove: () -> Void

    /// An empty registry; `onRemove` runs for each connection that leaves it.
    init(onRemove: @escaping () -> Void = {}) {
        self.onRemove = onRemove
    }

    /// Connections open now.
    var count: Int { connections.count }

    /// Adds a new connection.
    func add(_ connection: LeanClientConnection) {
        connection.registryIndex = connections.count
        connections.append(connection)
    }

    /// Removes a closed connection.
    func remove(_ connection: LeanClientConnection) {
        let index = connection.registryIndex
        guard index >= 0, index < connections.count, connections[index] === connection else { return }
        let last = connections.removeLast()
        if index < connections.count {
            connections[index] = last
            last.registryIndex = index
        }
        connection.registryIndex = -1
        onRemove()
        if connections.isEmpty, let onEmpty {
            self.onEmpty = nil
            onEmpty()
        }
    }

    /// Asks every connection to finish its current request or relay.
    func stopAll() {
        for connection in connections { connection.stop() }
    }

    /// Closes every connection at once.
    func closeAll() {
        for connection in connections { connection.close() }
    }

    /// Calls `body` once no connection is left (at once when none is).
    func whenEmpty(_ body: @escaping () -> Void) {
        if connections.isEmpty { body() } else { onEmpty = body }
    }
}
