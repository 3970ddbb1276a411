import NIOCore

extension ClientProtocol {
    /// `--rawrouter ADDR`: TCP passthrough; the key is the listener's name as configured.
    public static func raw(_ options: StreamRouterOptions) -> ClientProtocol {
        ClientProtocol(allowsRemoteHalfClosure: true) { listener in
            .stream(StreamListenerShared(mode: .raw(key: ByteBuffer(string: listener.name)), options: options, plane: listener.plane))
        }
    }
}
