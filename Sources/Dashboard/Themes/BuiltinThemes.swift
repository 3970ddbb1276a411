import TUICore

// Generated from Themes/*.yaml (a test checks the two stay equal): the app works without the
// Themes/ folder, and the files stay the documentation users copy from.

/// The themes compiled into the dashboard, so it runs without a `Themes/` folder.
public enum BuiltinThemes {
    /// The built-in theme names, in the order `t` cycles through them.
    public static let names = ["default", "light", "monochrome", "high-contrast", "solarized-dark"]

    /// The theme `name`, or nil if none is built in under that name.
    public static func theme(named name: String) -> Theme? {
        guard let text = sources[name] else { return nil }
        // The sources are fixed text checked by the tests; a parse failure cannot come from input.
        return try? ThemeLoader.parse(text, file: "built-in \(name)")
    }

    /// Every built-in theme, in `names` order.
    public static var all: [Theme] { names.compactMap(theme(named:)) }

    /// The theme used when colours are off (`--no-color`, `NO_COLOR`).
    public static var monochrome: Theme { theme(named: "monochrome") ?? Theme(name: "monochrome", styles: [:]) }

    /// The default theme.
    public static var standard: Theme { theme(named: "default") ?? monochrome }

    /// The YAML text of each built-in theme, identical to the file in `Themes/`.
    public static let sources: [String: String] = [
        "default": #"""
# Fleettop's default theme, for dark terminals (htop's colours).
name: default
roles:
  header: { fg: white, bg: blue, attrs: [bold] }
  title: { fg: cyan, attrs: [bold] }
  border: { fg: blue }
  text: {}
  table-header: { fg: black, bg: green }
  selected: { fg: black, bg: cyan }
  ok: { fg: green }
  stale: { fg: yellow }
  unreachable: { fg: red, attrs: [bold] }
  draining: { fg: yellow, attrs: [bold] }
  drained: { fg: magenta, attrs: [bold] }
  dead: { fg: red }
  new: { fg: cyan, attrs: [bold] }
  dimmed: { fg: bright-black }
  status-info: { fg: white }
  status-error: { fg: white, bg: red, attrs: [bold] }
  sparkline: { fg: cyan }
  function-key: { fg: white, attrs: [bold] }
  function-label: { fg: black, bg: cyan }
  dialog: { fg: white, bg: blue }
  dialog-button: { fg: black, bg: cyan, attrs: [bold] }
  input: { fg: white, bg: black, attrs: [underline] }
  paused: { fg: black, bg: yellow, attrs: [bold] }
  log-applied: { fg: green }
  log-failed: { fg: red }
"""#,
        "light": #"""
# For light terminal backgrounds: no yellow or cyan text on white.
name: light
roles:
  header: { fg: white, bg: blue, attrs: [bold] }
  title: { fg: blue, attrs: [bold] }
  border: { fg: blue }
  text: {}
  table-header: { fg: white, bg: black }
  selected: { fg: white, bg: blue }
  ok: { fg: 28 }
  stale: { fg: magenta }
  unreachable: { fg: red, attrs: [bold] }
  draining: { fg: 130, attrs: [bold] }
  drained: { fg: blue, attrs: [bold] }
  dead: { fg: red }
  new: { fg: 30, attrs: [bold] }
  dimmed: { fg: 245 }
  status-info: { fg: black }
  status-error: { fg: white, bg: red, attrs: [bold] }
  sparkline: { fg: blue }
  function-key: { fg: black, attrs: [bold] }
  function-label: { fg: white, bg: blue }
  dialog: { fg: black, bg: 254 }
  dialog-button: { fg: white, bg: blue, attrs: [bold] }
  input: { fg: black, bg: 252, attrs: [underline] }
  paused: { fg: white, bg: magenta, attrs: [bold] }
  log-applied: { fg: 28 }
  log-failed: { fg: red }
"""#,
        "monochrome": #"""
# Attributes only, no colours (--no-color, NO_COLOR): the selection is reverse video and node
# states differ by bold / underline / dim as well as by their words.
name: monochrome
roles:
  header: { attrs: [reverse, bold] }
  title: { attrs: [bold] }
  border: {}
  text: {}
  table-header: { attrs: [bold, underline] }
  selected: { attrs: [reverse] }
  ok: {}
  stale: { attrs: [underline] }
  unreachable: { attrs: [bold, underline] }
  draining: { attrs: [bold] }
  drained: { attrs: [underline] }
  dead: { attrs: [dim] }
  new: { attrs: [bold] }
  dimmed: { attrs: [dim] }
  status-info: {}
  status-error: { attrs: [bold] }
  sparkline: {}
  function-key: { attrs: [bold] }
  function-label: { attrs: [reverse] }
  dialog: {}
  dialog-button: { attrs: [reverse] }
  input: { attrs: [underline] }
  paused: { attrs: [reverse, bold] }
  log-applied: {}
  log-failed: { attrs: [bold] }
"""#,
        "high-contrast": #"""
# Bright colours and bold text on black, for low vision and washed-out projectors.
name: high-contrast
roles:
  header: { fg: bright-white, bg: black, attrs: [bold, underline] }
  title: { fg: bright-yellow, attrs: [bold] }
  border: { fg: bright-white }
  text: { fg: bright-white }
  table-header: { fg: black, bg: bright-white, attrs: [bold] }
  selected: { fg: black, bg: bright-yellow, attrs: [bold] }
  ok: { fg: bright-green, attrs: [bold] }
  stale: { fg: bright-yellow, attrs: [bold] }
  unreachable: { fg: bright-white, bg: red, attrs: [bold] }
  draining: { fg: bright-yellow, attrs: [bold, underline] }
  drained: { fg: bright-cyan, attrs: [bold, underline] }
  dead: { fg: bright-red, attrs: [bold] }
  new: { fg: bright-cyan, attrs: [bold] }
  dimmed: { fg: white }
  status-info: { fg: bright-white, attrs: [bold] }
  status-error: { fg: bright-white, bg: red, attrs: [bold] }
  sparkline: { fg: bright-cyan }
  function-key: { fg: bright-white, attrs: [bold] }
  function-label: { fg: black, bg: bright-white, attrs: [bold] }
  dialog: { fg: bright-white, bg: black, attrs: [bold] }
  dialog-button: { fg: black, bg: bright-yellow, attrs: [bold] }
  input: { fg: black, bg: bright-white }
  paused: { fg: black, bg: bright-yellow, attrs: [bold] }
  log-applied: { fg: bright-green }
  log-failed: { fg: bright-red, attrs: [bold] }
"""#,
        "solarized-dark": #"""
# Ethan Schoonover's Solarized (dark) in the 256-colour palette.
name: solarized-dark
roles:
  header: { fg: 245, bg: 235, attrs: [bold] }
  title: { fg: 33, attrs: [bold] }
  border: { fg: 240 }
  text: { fg: 244 }
  table-header: { fg: 234, bg: 33 }
  selected: { fg: 234, bg: 37 }
  ok: { fg: 64 }
  stale: { fg: 136 }
  unreachable: { fg: 160, attrs: [bold] }
  draining: { fg: 166, attrs: [bold] }
  drained: { fg: 61, attrs: [bold] }
  dead: { fg: 160 }
  new: { fg: 37, attrs: [bold] }
  dimmed: { fg: 240 }
  status-info: { fg: 245 }
  status-error: { fg: 230, bg: 160, attrs: [bold] }
  sparkline: { fg: 37 }
  function-key: { fg: 245, attrs: [bold] }
  function-label: { fg: 234, bg: 33 }
  dialog: { fg: 245, bg: 235 }
  dialog-button: { fg: 234, bg: 136, attrs: [bold] }
  input: { fg: 230, bg: 235, attrs: [underline] }
  paused: { fg: 234, bg: 136, attrs: [bold] }
  log-applied: { fg: 64 }
  log-failed: { fg: 160 }
"""#,
    ]
}
