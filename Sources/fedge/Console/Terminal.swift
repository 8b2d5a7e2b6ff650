import CNcurses
import FedgeConsole
import Foundation

/// The real terminal, through ncursesw: paints screen buffers (only the rows that changed) and decodes keys.
/// Used from one thread only (ncurses is not thread-safe).
final class Terminal {
    private(set) var width = 0
    private(set) var height = 0
    private var previous: ScreenBuffer?
    private var pairs: [Role: Int16] = [:]
    private var attributes: [Role: attr_t] = [:]
    let theme: Theme
    let glyphs: Glyphs

    /// Takes over the terminal. `theme` falls back to monochrome when the terminal has no colours.
    init(theme: Theme, glyphs: Glyphs) {
        setlocale(LC_ALL, "")
        initscr()
        raw()
        noecho()
        keypad(fedge_stdscr(), true)
        wtimeout(fedge_stdscr(), 100)
        // Esc answers at once instead of after ncurses' default second of waiting for an escape sequence.
        set_escdelay(25)
        curs_set(0)
        var theme = theme
        if !theme.monochrome && has_colors() {
            start_color()
            use_default_colors()
        } else {
            theme = theme.monochrome ? theme : .monochromeTheme
        }
        self.theme = theme
        self.glyphs = glyphs
        for (index, role) in Role.allCases.enumerated() {
            let style = theme.style(role)
            var attribute = fedge_a_normal()
            if style.bold { attribute |= fedge_a_bold() }
            if style.dim { attribute |= fedge_a_dim() }
            if style.reverse { attribute |= fedge_a_reverse() }
            if style.underline { attribute |= fedge_a_underline() }
            self.attributes[role] = attribute
            if !theme.monochrome && has_colors() {
                let pair = Int16(index + 1)
                let colours = Int16(clamping: fedge_colors())
                let foreground =
                    style.foreground.number < colours ? style.foreground.number : style.foreground.number % 8
                let background =
                    style.background.number < colours ? style.background.number : style.background.number % 8
                init_pair(pair, foreground, background)
                self.pairs[role] = pair
            }
        }
        Terminal.installCrashHandlers()
        self.updateSize()
    }

    /// Gives the terminal back as it was.
    func close() {
        curs_set(1)
        endwin()
    }

    func updateSize() {
        self.width = Int(fedge_cols())
        self.height = Int(fedge_lines())
        self.previous = nil
        clear()
    }

    /// Paints `screen`, touching only the rows that changed since the last paint.
    func paint(_ screen: ScreenBuffer) {
        for y in screen.changedRows(since: self.previous) {
            for x in 0..<screen.width {
                let cell = screen[x, y]
                let scalar = cell.character.unicodeScalars.first.map { wchar_t(bitPattern: $0.value) } ?? 32
                fedge_put_cell(
                    Int32(y),
                    Int32(x),
                    scalar,
                    self.attributes[cell.role] ?? fedge_a_normal(),
                    self.pairs[cell.role] ?? 0
                )
            }
        }
        self.previous = screen
        refresh()
    }

    /// The next key, or `nil` after 100 ms without one.
    func readKey() -> Key? {
        var character: wint_t = 0
        let result = fedge_get_key(&character)
        if result == ERR { return nil }
        if result == KEY_CODE_YES {
            switch Int32(character) {
            case KEY_UP: return .up
            case KEY_DOWN: return .down
            case KEY_LEFT: return .left
            case KEY_RIGHT: return .right
            case KEY_PPAGE: return .pageUp
            case KEY_NPAGE: return .pageDown
            case KEY_HOME: return .home
            case KEY_END: return .end
            case KEY_BTAB: return .backTab
            case KEY_ENTER: return .enter
            case KEY_BACKSPACE: return .backspace
            case KEY_RESIZE: return .resize
            default: return nil
            }
        }
        switch character {
        case 3: return .interrupt
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        default:
            guard let scalar = Unicode.Scalar(UInt32(character)), character >= 32 else { return nil }
            return .character(Character(scalar))
        }
    }

    /// On a crash or a termination signal, give the terminal back before dying.
    private static func installCrashHandlers() {
        for number in [SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE] {
            signal(number) { received in
                let saved = errno  // a handler must leave errno as it found it (ThreadSanitizer checks)
                endwin()
                signal(received, SIG_DFL)
                raise(received)  // delivered once the handler returns: the process ends with the signal
                errno = saved
            }
        }
    }
}
