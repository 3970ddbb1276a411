import FleetModel
import TUICore

// Keys while a modal is open: the modal takes them all, so a stray `d` in a prompt never drains.
// What each key does comes from the keymap's bindings for the modal (help lists them too).
extension DashboardReducer {
    static func handleModalKey(_ key: Key, state: inout DashboardState) -> [DashboardEffect] {
        guard let modal = state.modal else { return [] }
        let action = state.keymap.binding(for: key, in: modal.kind)?.action
        switch modal {
        case let .help(offset), let .intents(offset):
            let scrolled: Int?
            switch action {
            case .moveUp?: scrolled = max(0, offset - 1)
            case .moveDown?: scrolled = offset + 1
            case .pageUp?: scrolled = max(0, offset - 10)
            case .pageDown?: scrolled = offset + 10
            default: scrolled = nil
            }
            if case .help = modal {
                state.modal = scrolled.map { .help(offset: $0) }
            } else {
                state.modal = scrolled.map { .intents(offset: $0) }
            }
            return []
        case var .confirm(request):
            switch action {
            case .confirm?:
                return confirmed(request, state: &state)
            case .activate?:
                return request.yesFocused ? confirmed(request, state: &state) : cancelled(request, state: &state)
            case .cancel?:
                return cancelled(request, state: &state)
            case .switchButton?:
                request.selectedButton = request.yesFocused ? ConfirmRequest.noButton : ConfirmRequest.yesButton
                state.modal = .confirm(request)
                return []
            default:
                return []
            }
        case var .weightPrompt(prompt):
            switch action {
            case .cancel?:
                state.modal = nil
                state.post("weight not changed")
                return []
            case .accept?:
                switch WeightPrompt.parse(prompt.input.text) {
                case let .failure(error):
                    prompt.error = error.description
                    state.modal = .weightPrompt(prompt)
                    return []
                case let .success(value):
                    state.modal = nil
                    guard let entry = state.snapshot[prompt.router],
                          let plan = plan(.setWeight(prompt.node, value), on: entry, state: &state) else { return [] }
                    return send([plan], state: &state)
                }
            default:
                prompt.input.handle(key)
                prompt.error = nil
                state.modal = .weightPrompt(prompt)
                return []
            }
        case var .filter(input):
            switch action {
            case .cancel?:
                state.modal = nil
                state.keepSelection { $0.currentFilter = TextFilter("") }
            case .accept?:
                state.modal = nil
            default:
                input.handle(key)
                state.modal = .filter(input)
                let text = input.text
                state.keepSelection { $0.currentFilter = TextFilter(text) }
            }
            return []
        }
    }

    private static func confirmed(_ request: ConfirmRequest, state: inout DashboardState) -> [DashboardEffect] {
        state.modal = nil
        guard let learned = request.learnedAdmin else { return send(request.plan, state: &state) }
        // The control learns the address before the edits are started, so they carry the token.
        state.trustedAdminAddresses.insert(learned)
        return [.trustAdminAddress(learned.address, router: learned.router)] + send(request.plan, state: &state)
    }

    private static func cancelled(_ request: ConfirmRequest, state: inout DashboardState) -> [DashboardEffect] {
        state.modal = nil
        if let learned = request.learnedAdmin {
            state.post("cancelled: the admin token was not sent to \(learned.address), learned from \(learned.router)'s stats; nothing was sent")
        } else {
            state.post("cancelled: \(request.title.lowercased())")
        }
        return []
    }
}
