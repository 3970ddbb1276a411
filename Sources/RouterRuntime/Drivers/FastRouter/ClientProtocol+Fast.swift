import NIOCore

extension ClientProtocol {
    /// `--fastrouter ADDR`: uwsgi in, uwsgi out; the key comes from the client's first packet.
    public static func fast(_ options: StreamRouterOptions) -> ClientProtocol {
        ClientProtocol(allowsRemoteHalfClosure: true, makeLeanKind: { _ in .fast(options) }) { listener in
            let plane = listener.plane
            return { child in
                try child.pipeline.syncOperations.addHandler(StreamRelayHandler(mode: .fast, options: options, plane: plane))
            }
        }
    }
}
