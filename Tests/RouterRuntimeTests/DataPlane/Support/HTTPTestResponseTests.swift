import Testing

/// The test client's reading of the fake node's answer.
struct HTTPTestResponseTests {
    @Test("a var whose value ends in a carriage return does not swallow the next one")
    func carriageReturnAtTheEnd() {
        let body = Array("A=x\r\nB=y\n".utf8) + [UInt8(ascii: "C"), UInt8(ascii: "="), 0xFF, 0x0D, UInt8(ascii: "\n")] + Array("D=z\n".utf8)
        let vars = HTTPTestResponse(status: 200, headers: [], body: body).vars
        #expect(vars["A"] == "x\r")
        #expect(vars["B"] == "y")
        #expect(vars["C"] == "\u{FFFD}\r")
        #expect(vars["D"] == "z")
    }
}
