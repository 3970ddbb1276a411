import Foundation
import FleetModel
import RouterWire
import TUICore

/// What is drawn over the screen and takes the keys until it closes.
public enum DashboardModal: Sendable, Hashable {
    /// An edit waiting for `y`/Enter or `n`/Esc.
    case confirm(ConfirmRequest)
    /// The `w` weight prompt.
    case weightPrompt(WeightPrompt)
    /// The `/` filter line being edited.
    case filter(TextInput)
    /// The help overlay, scrolled by `offset` lines.
    case help(offset: Int)
}

/// A confirmation: what will be sent where, and which routers cannot take it.
public struct ConfirmRequest: Sendable, Hashable {
    /// The dialog title (`Drain node`).
    public var title: String
    /// The question, with any temporary/unavailable notes.
    public var message: String
    /// The edits, one per router; only usable ones are sent on confirmation.
    public var plan: [PlannedEdit]
    /// 0 = Yes, 1 = No.
    public var selectedButton: Int

    /// Creates a request with Yes selected.
    public init(title: String, message: String, plan: [PlannedEdit], selectedButton: Int = 0) {
        self.title = title
        self.message = message
        self.plan = plan
        self.selectedButton = selectedButton
    }

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
        "'\(input)' is not a weight: expected a whole number from 1 to \(WeightPrompt.maximum)"
    }
}

extension Character {
    /// True for `0`–`9`.
    var isASCIIDigit: Bool { asciiValue.map { $0 >= 48 && $0 <= 57 } ?? false }
}
