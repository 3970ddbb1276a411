extension ClientProtocol {
    /// `--fastrouter ADDR`: uwsgi in, uwsgi out; the key comes from the client's first packet.
    public static func fast(_ options: StreamRouterOptions) -> ClientProtocol {
        ClientProtocol(allowsRemoteHalfClosure: true) { listener in
            .stream(StreamListenerShared(mode: .fast, options: options, plane: listener.plane))
        }
    }
}
