import NIOCore

/// One client → router frame of the forkpty router's uwsgi-framed input (§5.6).
///
/// Each frame is a 4-byte uwsgi header read by modifier2 (modifier1 is ignored, senders use 0).
public enum ForkptyFrame: Sendable, Hashable {
    /// modifier2 0: datasize bytes of keyboard input for the pty.
    case input(ByteBuffer)
    /// modifier2 100: the window's rows, carried in datasize; no payload.
    case rows(UInt16)
    /// modifier2 101: the window's columns, carried in datasize; no payload.
    case columns(UInt16)
    /// Any other modifier2: send that signal number to the child; no payload.
    case signal(UInt8)

    /// modifier2 of an input frame.
    public static let inputModifier2: UInt8 = 0
    /// modifier2 of a rows frame.
    public static let rowsModifier2: UInt8 = 100
    /// modifier2 of a columns frame.
    public static let columnsModifier2: UInt8 = 101
}
