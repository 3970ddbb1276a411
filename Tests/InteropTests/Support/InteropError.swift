/// A failure of the interop harness or of an interop expectation, with a message that names
/// the process, socket or input at fault and what was expected.
struct InteropError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
