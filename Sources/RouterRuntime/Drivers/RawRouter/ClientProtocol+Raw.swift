import NIOCore

extension ClientProtocol {
    /// `--rawrouter ADDR`: TCP passthrough; the key is the listener's name as configured.
    public static func raw(_ options: StreamRouterOptions) -> ClientProtocol {
        ClientProtocol(allowsRemoteHalfClosure: true, makeLeanKind: { listener in
            .raw(options, key: ByteBuffer(string: listener.name))
        }) { listener in
            let plane = listener.plane
            let key = ByteBuffer(string: listener.name)
            return { child in
                try child.pipeline.syncOperations.addHandler(StreamRelayHandler(mode: .raw(key: key), options: options, plane: plane))
            }
        }
    }
}
