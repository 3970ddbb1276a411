import CNcursesw
import Glibc
import Testing
import TUICore
@testable import TUICurses

@Suite struct CursesKeyTranslatorTests {
    @Test func functionKeyCodes() {
        #expect(CursesKeyTranslator.key(forKeyCode: KEY_UP) == .up)
        #expect(CursesKeyTranslator.key(forKeyCode: KEY_NPAGE) == .pageDown)
        #expect(CursesKeyTranslator.key(forKeyCode: KEY_PPAGE) == .pageUp)
        #expect(CursesKeyTranslator.key(forKeyCode: KEY_HOME) == .home)
        #expect(CursesKeyTranslator.key(forKeyCode: KEY_END) == .end)
        #expect(CursesKeyTranslator.key(forKeyCode: KEY_BACKSPACE) == .backspace)
        #expect(CursesKeyTranslator.key(forKeyCode: KEY_DC) == .delete)
        #expect(CursesKeyTranslator.key(forKeyCode: KEY_BTAB) == .backTab)
        #expect(CursesKeyTranslator.key(forKeyCode: cn_key_f(1)) == .function(1))
        #expect(CursesKeyTranslator.key(forKeyCode: cn_key_f(12)) == .function(12))
        #expect(CursesKeyTranslator.key(forKeyCode: cn_key_f(13)) == nil)
        #expect(CursesKeyTranslator.key(forKeyCode: KEY_MOUSE) == nil)
    }

    @Test func characterCodes() {
        #expect(CursesKeyTranslator.key(forCharacter: 9) == .tab)
        #expect(CursesKeyTranslator.key(forCharacter: 13) == .enter)
        #expect(CursesKeyTranslator.key(forCharacter: 10) == .enter)
        #expect(CursesKeyTranslator.key(forCharacter: 27) == .escape)
        #expect(CursesKeyTranslator.key(forCharacter: 127) == .backspace)
        #expect(CursesKeyTranslator.key(forCharacter: 3) == .ctrl("c"))
        #expect(CursesKeyTranslator.key(forCharacter: 0x71) == .char("q"))
        #expect(CursesKeyTranslator.key(forCharacter: 0x6F22) == .char("漢"))
        #expect(CursesKeyTranslator.key(forCharacter: 0xD800) == nil)
        #expect(CursesKeyTranslator.key(forCharacter: 0) == nil)
    }
}

@Suite struct CursesColorMappingTests {
    @Test func reducesThe256PaletteForSmallerTerminals() {
        #expect(CursesColorMapping.reduce(200, toColorCount: 256) == 200)
        #expect(CursesColorMapping.reduce(9, toColorCount: 8) == 1)
        #expect(CursesColorMapping.reduce(196, toColorCount: 8) == 1)  // pure red in the cube
        #expect(CursesColorMapping.reduce(21, toColorCount: 8) == 4)  // pure blue
        #expect(CursesColorMapping.reduce(231, toColorCount: 8) == 7)  // white corner of the cube
        #expect(CursesColorMapping.reduce(16, toColorCount: 8) == 0)
        #expect(CursesColorMapping.reduce(235, toColorCount: 8) == 0)
        #expect(CursesColorMapping.reduce(252, toColorCount: 8) == 7)
        #expect(CursesColorMapping.reduce(252, toColorCount: 0) == 0)
    }

    @Test func defaultColourNeedsUseDefaultColors() {
        let withDefaults = CursesColorMapping(colorCount: 256, pairCount: 256, hasDefaultColors: true)
        #expect(withDefaults.number(for: .default, isForeground: true) == -1)
        #expect(withDefaults.number(for: .indexed(208), isForeground: true) == 208)
        let without = CursesColorMapping(colorCount: 8, pairCount: 64, hasDefaultColors: false)
        #expect(without.number(for: .default, isForeground: true) == 7)
        #expect(without.number(for: .default, isForeground: false) == 0)
        #expect(without.number(for: .indexed(208), isForeground: true) == 1)  // orange keeps its dominant red
    }

    @Test func pairsAreAllocatedOnceAndRunOutGracefully() {
        var mapping = CursesColorMapping(colorCount: 8, pairCount: 3, hasDefaultColors: true)
        let redOnDefault = CursesColorMapping.PairKey(foreground: 1, background: -1)
        let first = mapping.pair(for: redOnDefault)
        #expect(first.pair == 1 && first.isNew)
        let again = mapping.pair(for: redOnDefault)
        #expect(again.pair == 1 && !again.isNew)
        #expect(mapping.pair(for: .init(foreground: -1, background: -1)) == (0, false))
        #expect(mapping.pair(for: .init(foreground: 2, background: 4)).pair == 2)
        // Pair 3 does not exist (COLOR_PAIRS = 3): further combinations fall back to pair 0.
        #expect(mapping.pair(for: .init(foreground: 3, background: 4)) == (0, false))
        #expect(mapping.allocatedPairs == 2)
    }
}

@Suite struct CursesTerminalTests {
    // Under `swift test` stdin or stdout is normally a pipe or file; on a TTY the test is skipped, not passed.
    @Test(.enabled(if: isatty(0) == 0 || isatty(1) == 0, "needs a non-terminal stdin or stdout"))
    func refusesToStartWithoutATerminal() {
        let terminal = CursesTerminal(options: .init(installsSignalHandlers: false))
        #expect(throws: CursesError.notATerminal) { try terminal.begin() }
        // Calls before a successful begin are harmless no-ops.
        terminal.end()
        terminal.flush()
        #expect(terminal.nextEvent(timeout: .zero) == nil)
        #expect(terminal.size == Size(width: 80, height: 24))
    }

    @Test func errorMessagesNameTheProblem() {
        #expect(CursesError.cannotInitialise(term: "vt999").description.contains("'vt999'"))
        #expect(CursesError.notATerminal.description.contains("terminal"))
    }
}

@Suite struct TerminalRestoreSignalTests {
    @Test("the terminal is restored on SIGQUIT, SIGTRAP and SIGABRT as well as the other exits")
    func signals() {
        let all = TerminalRestore.terminatingSignals + TerminalRestore.crashSignals
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGABRT, SIGBUS, SIGILL, SIGFPE, SIGTRAP] {
            #expect(all.contains(signal), "signal \(signal)")
        }
        #expect(Set(all).count == all.count)
    }
}
