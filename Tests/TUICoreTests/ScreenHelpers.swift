import TUICore
import TUICoreTesting

/// Draws one frame with `render` on a fresh `TestBackend` of the given size.
func screen(width: Int, height: Int, palette: Palette = Palette(), _ render: (inout Buffer) -> Void) -> TestBackend {
    let backend = TestBackend(width: width, height: height)
    let terminal = Terminal(backend: backend, palette: palette)
    terminal.draw { buffer in
        render(&buffer)
        return nil
    }
    return backend
}

/// The text of row `y` of `buffer`, wide graphemes once.
func rowText(_ buffer: Buffer, _ y: Int) -> String {
    var text = ""
    for x in 0..<buffer.size.width {
        if let cell = buffer[x, y], !cell.isContinuation { text.append(cell.symbol) }
    }
    return text
}

/// The sizes every widget is rendered at: a normal terminal and tiny ones.
let screenSizes: [(Int, Int)] = [(80, 24), (120, 40), (10, 3), (3, 1), (1, 1), (0, 0)]
