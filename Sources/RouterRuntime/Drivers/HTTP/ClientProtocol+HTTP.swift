extension ClientProtocol {
    /// `--http ADDR`: HTTP/1.1 clients, uwsgi to the nodes. The listener's options and port
    /// (for `SERVER_PORT`) are shared by its connections; a client's half-close ends its request.
    public static func http(_ options: HTTPRouterOptions) -> ClientProtocol {
        ClientProtocol(allowsRemoteHalfClosure: false) { listener in
            let name = listener.name
            let serverPort = name.lastIndex(of: ":").map { String(name[name.index(after: $0)...]) } ?? ""
            return .http1(HTTPListenerShared(options: options, plane: listener.plane, serverPort: serverPort))
        }
    }
}
