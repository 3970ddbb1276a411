import Yams

/// Walks a composed YAML tree into a `FleetFile`, keeping marks so every error has a line.
struct FleetFileReader {
    let file: String

    init(file: String) {
        self.file = file
    }

    mutating func readFleet(_ root: Node) throws(FleetFileError) -> FleetFile {
        let top = try mapping(root, key: nil, shape: "a mapping with a 'routers' list")
        try rejectUnknown(top, allowed: FleetFile.topKeys, prefix: "")

        var interval: Double?
        if let node = top["interval"] {
            guard let text = node.string, let value = Double(text), value.isFinite, value > 0, value <= 3600 else {
                throw error(at: node, key: "interval", .expected("a number of seconds greater than 0 and at most 3600"))
            }
            interval = value
        }
        let defaultToken = try optionalString(top["token_file"], key: "token_file")

        guard let routersNode = top["routers"] else {
            throw error(at: root, key: "routers", .missingKey)
        }
        guard case let .sequence(sequence) = routersNode, !sequence.isEmpty else {
            throw error(at: routersNode, key: "routers", .expected("a non-empty list of routers"))
        }

        var routers: [RouterEndpoint] = []
        var firstLines: [String: Int?] = [:]
        for (index, item) in sequence.enumerated() {
            let prefix = "routers[\(index)]"
            let router = try readRouter(item, prefix: prefix, defaultToken: defaultToken)
            if let firstLine = firstLines[router.name] {
                let nameNode = item.mapping?["name"] ?? item
                throw error(at: nameNode, key: "\(prefix).name", .duplicateName(router.name, firstLine: firstLine))
            }
            firstLines[router.name] = (item.mapping?["name"] ?? item).mark?.line
            routers.append(router)
        }
        return FleetFile(interval: interval, tokenFile: defaultToken, routers: routers)
    }

    private func readRouter(_ node: Node, prefix: String, defaultToken: String?) throws(FleetFileError) -> RouterEndpoint {
        let map = try mapping(node, key: prefix, shape: "a mapping with at least 'stats'")
        try rejectUnknown(map, allowed: FleetFile.routerKeys, prefix: prefix + ".")
        guard let statsNode = map["stats"] else {
            throw error(at: node, key: "\(prefix).stats", .missingKey)
        }
        let stats = try address(statsNode, key: "\(prefix).stats")
        let admin = try map["admin"].map { (n: Node) throws(FleetFileError) in try address(n, key: "\(prefix).admin") }
        let subscription = try map["subscription_server"].map { (n: Node) throws(FleetFileError) in
            try address(n, key: "\(prefix).subscription_server")
        }
        if let subscription, subscription.isHTTP, let n = map["subscription_server"] {
            throw error(at: n, key: "\(prefix).subscription_server",
                        .expected("a UDP host:port or a unix datagram path (not http://)"))
        }
        let name = try optionalString(map["name"], key: "\(prefix).name") ?? stats.derivedName
        let token = try optionalString(map["token_file"], key: "\(prefix).token_file") ?? defaultToken
        var tags: [String] = []
        if let tagsNode = map["tags"] {
            guard case let .sequence(list) = tagsNode else {
                throw error(at: tagsNode, key: "\(prefix).tags", .expected("a list of strings, as in [edge, eu]"))
            }
            for (i, tag) in list.enumerated() {
                guard case let .scalar(scalar) = tag, !scalar.string.isEmpty else {
                    throw error(at: tag, key: "\(prefix).tags[\(i)]", .expected("a non-empty string"))
                }
                tags.append(scalar.string)
            }
        }
        return RouterEndpoint(
            name: name, stats: stats, admin: admin, tokenFile: token,
            subscriptionServer: subscription, tags: tags)
    }

    private func mapping(_ node: Node, key: String?, shape: String) throws(FleetFileError) -> Node.Mapping {
        guard case let .mapping(map) = node else {
            throw error(at: node, key: key, .expected(shape))
        }
        return map
    }

    private func rejectUnknown(_ map: Node.Mapping, allowed: [String], prefix: String) throws(FleetFileError) {
        for (keyNode, _) in map {
            let name = keyNode.string ?? "?"
            if !allowed.contains(name) {
                throw error(at: keyNode, key: prefix + name, .unknownKey(allowed: allowed))
            }
        }
    }

    private func optionalString(_ node: Node?, key: String) throws(FleetFileError) -> String? {
        guard let node else { return nil }
        guard case let .scalar(scalar) = node, !scalar.string.trimmingWhitespace().isEmpty else {
            throw error(at: node, key: key, .expected("a non-empty string"))
        }
        return scalar.string.trimmingWhitespace()
    }

    private func address(_ node: Node, key: String) throws(FleetFileError) -> StatsAddress {
        guard case let .scalar(scalar) = node else {
            throw error(at: node, key: key, .expected("an address string"))
        }
        do {
            return try StatsAddress(parsing: scalar.string)
        } catch {
            throw self.error(at: node, key: key, .badAddress(error))
        }
    }

    private func error(at node: Node, key: String?, _ problem: FleetFileError.Problem) -> FleetFileError {
        FleetFileError(file: file, line: node.mark?.line, column: node.mark?.column, key: key, problem: problem)
    }
}
