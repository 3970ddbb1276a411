import Foundation
import FleetModel
import RouterWire
import TUICore

/// What is drawn over the screen and takes the keys until it closes.
public enum DashboardModal: Sendable, Hashable {
    /// An edit waiting for `y` (or Enter on Yes) or `n`/Esc.
    case confirm(ConfirmRequest)
    /// The `w` weight prompt.
    case weightPrompt(WeightPrompt)
    /// The `/` filter line being edited.
    case filter(TextInput)
    /// The help overlay, scrolled by `offset` lines.
    case help(offset: Int)
    /// The fleet intents overlay, scrolled by `offset` lines (keys as in help).
    case intents(offset: Int)

    /// Which of the keymap's modal bindings apply.
    public var kind: ModalKind {
        switch self {
        case .confirm: return .confirm
        case .weightPrompt, .filter: return .prompt
        case .help, .intents: return .help
        }
    }
}

/// A confirmation: what will be sent where, and which routers cannot take it.
public struct ConfirmRequest: Sendable, Hashable {
    /// `selectedButton` of Yes.
    public static let yesButton = 0
    /// `selectedButton` of No.
    public static let noButton = 1

    /// The dialog title (`Drain node`).
    public var title: String
    /// The question, with any temporary/unavailable notes.
    public var message: String
    /// The edits, one per router; only usable ones are sent on confirmation.
    public var plan: [PlannedEdit]
    /// True when the edit stops or diverts traffic (drain, kick, weight 0, cheap on, a
    /// fleet-wide drain): the dialog opens with No focused, so Enter alone sends nothing.
    public var stopsTraffic: Bool
    /// The focused button: `yesButton` (0) or `noButton` (1).
    public var selectedButton: Int
    /// Set when the question is whether the token may go to an admin address learned from a
    /// router's stats: confirming trusts it, then sends `plan`.
    public var learnedAdmin: LearnedAdminAddress?

    /// Creates a request. `stopsTraffic` defaults to whether any edit of `plan` stops or diverts
    /// traffic; the focus defaults to No for those and to Yes for the rest.
    public init(title: String, message: String, plan: [PlannedEdit], stopsTraffic: Bool? = nil, selectedButton: Int? = nil) {
        self.title = title
        self.message = message
        self.plan = plan
        let stops = stopsTraffic ?? plan.contains { $0.edit.stopsTraffic }
        self.stopsTraffic = stops
        self.selectedButton = selectedButton ?? (stops ? Self.noButton : Self.yesButton)
        self.learnedAdmin = nil
    }

    /// Asks whether the token may go to `learned` before `plan` is sent; opens on No, since a
    /// wrong Yes hands the token to whoever wrote the stats document.
    public init(trusting learned: LearnedAdminAddress, plan: [PlannedEdit]) {
        self.init(title: "Admin address", message: learned.question, plan: plan, selectedButton: Self.noButton)
        self.learnedAdmin = learned
    }

    /// True while Yes has the focus (Enter would send).
    public var yesFocused: Bool { selectedButton == Self.yesButton }

    /// The parts that will be sent.
    public var usable: [PlannedEdit] { plan.filter(\.availability.isUsable) }
}

/// The weight prompt: which node, the text typed, and why the last attempt was rejected.
public struct WeightPrompt: Sendable, Hashable {
    /// Largest weight accepted (uWSGI's wrr counts in these units; more is a typo).
    public static let maximum: UInt64 = 1_000_000

    /// The router.
    public var router: RouterID
    /// The node.
    public var node: NodeRef
    /// The node's current weight, shown in the prompt.
    public var current: UInt64?
    /// The text field.
    public var input: TextInput
    /// Why the last Enter was rejected.
    public var error: String?
    /// Set when the router takes the weight only until the node's next announce.
    public var temporaryReason: String?

    /// Creates a prompt with an empty field.
    public init(router: RouterID, node: NodeRef, current: UInt64?, temporaryReason: String?) {
        self.router = router
        self.node = node
        self.current = current
        self.input = TextInput("", maxLength: 12)
        self.error = nil
        self.temporaryReason = temporaryReason
    }

    /// True for `0`, `00`, … (a weight that would stop traffic, which routers refuse).
    static func isZero(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        return !trimmed.isEmpty && trimmed.allSatisfy { $0 == "0" }
    }

    /// The weight typed, or why it is not one.
    public static func parse(_ text: String) -> Result<UInt64, WeightInputError> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.allSatisfy(\.isASCIIDigit), let value = UInt64(trimmed) else {
            return .failure(WeightInputError(input: text))
        }
        guard value >= 1, value <= maximum else { return .failure(WeightInputError(input: text)) }
        return .success(value)
    }
}

/// A weight that is not a whole number from 1 to `WeightPrompt.maximum`.
public struct WeightInputError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was typed.
    public var input: String
    /// `'abc' is not a weight: expected a whole number from 1 to 1000000`.
    public var description: String {
        let expected = "'\(input)' is not a weight: expected a whole number from 1 to \(WeightPrompt.maximum)"
        // Weight 0 is refused by routers (uWSGI stores it as 1); draining is how traffic stops.
        return WeightPrompt.isZero(input) ? expected + " (to stop new sessions to the node, drain it)" : expected
    }
}

extension Character {
    /// True for `0`–`9`.
    var isASCIIDigit: Bool { asciiValue.map { $0 >= 48 && $0 <= 57 } ?? false }
}
