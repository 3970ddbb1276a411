import NIOCore

extension ClientProtocol {
    /// `--http ADDR`: HTTP/1.1 clients, uwsgi to the nodes. The listener's options and port
    /// (for `SERVER_PORT`) are shared by its connections; a client's half-close ends its request.
    public static func http(_ options: HTTPRouterOptions) -> ClientProtocol {
        ClientProtocol(allowsRemoteHalfClosure: false, makeLeanKind: { listener in
            .http(HTTPListenerShared(options: options, plane: listener.plane, serverPort: serverPort(of: listener.name)))
        }) { listener in
            let shared = HTTPListenerShared(options: options, plane: listener.plane, serverPort: serverPort(of: listener.name))
            return { child in
                try child.pipeline.syncOperations.addHandler(HTTPRouterHandler(shared: shared))
            }
        }
    }

    /// SERVER_PORT: the port part of a listener name as configured.
    private static func serverPort(of name: String) -> String {
        name.lastIndex(of: ":").map { String(name[name.index(after: $0)...]) } ?? ""
    }
}
