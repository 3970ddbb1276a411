import TUICore

/// A semantic colour role of the dashboard: what a piece of the screen *means*, which a theme
/// maps to colours and attributes (htop's colour scheme elements).
public enum ThemeRole: String, CaseIterable, Sendable, Hashable {
    /// The top header line.
    case header
    /// Screen titles and pane titles.
    case title
    /// Box lines and separators.
    case border
    /// Ordinary table text.
    case text
    /// Table column headings.
    case tableHeader
    /// The selected table row.
    case selected
    /// A healthy router or a ready node.
    case ok
    /// A router whose data is old.
    case stale
    /// A router that does not answer.
    case unreachable
    /// A node taking no new sessions while some are still in flight.
    case draining
    /// A node drained with nothing in flight.
    case drained
    /// A death-marked (or expired) node.
    case dead
    /// A node that just appeared.
    case new
    /// Unavailable actions and secondary text.
    case dimmed
    /// Informational status-line messages.
    case statusInfo
    /// Error messages in the status line.
    case statusError
    /// Sparkline bars.
    case sparkline
    /// Keys in the function bar.
    case functionKey
    /// Labels in the function bar.
    case functionLabel
    /// Modal dialogs (confirm, prompt, help).
    case dialog
    /// The highlighted dialog button.
    case dialogButton
    /// Text fields (filter, weight).
    case input
    /// The paused indicator in the header.
    case paused
    /// Action-log lines of edits that were applied.
    case logApplied
    /// Action-log lines of edits that were refused or failed.
    case logFailed

    /// The TUICore role this theme role resolves through.
    public var styleRole: StyleRole {
        StyleRole(UInt16(ThemeRole.allCases.firstIndex(of: self) ?? 0))
    }

    /// The role's name in theme files (`tableHeader` is written `table-header`).
    public var fileKey: String {
        var key = ""
        for character in rawValue {
            if character.isUppercase {
                key += "-" + character.lowercased()
            } else {
                key.append(character)
            }
        }
        return key
    }

    /// The role named `key` in a theme file, or nil.
    public init?(fileKey key: String) {
        guard let role = ThemeRole.allCases.first(where: { $0.fileKey == key }) else { return nil }
        self = role
    }
}

extension Style {
    /// A style naming one of the dashboard's semantic roles.
    public static func themed(_ role: ThemeRole) -> Style { Style(role: role.styleRole) }
}
