import FleetModel
import TUICore

// Keys while a modal is open: the modal takes them all, so a stray `d` in a prompt never drains.
// What each key does comes from the keymap's bindings for the modal (help lists them too).
extension DashboardReducer {
    static func handleModalKey(_ key: Key, state: inout DashboardState) -> [DashboardEffect] {
        guard let modal = state.modal else { return [] }
        let action = state.keymap.binding(for: key, in: modal.kind)?.action
        switch modal {
        case let .help(offset):
            switch action {
            case .moveUp?: state.modal = .help(offset: max(0, offset - 1))
            case .moveDown?: state.modal = .help(offset: offset + 1)
            case .pageUp?: state.modal = .help(offset: max(0, offset - 10))
            case .pageDown?: state.modal = .help(offset: offset + 10)
            default: state.modal = nil
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
        return send(request.plan, state: &state)
    }

    private static func cancelled(_ request: ConfirmRequest, state: inout DashboardState) -> [DashboardEffect] {
        state.modal = nil
        state.post("cancelled: \(request.title.lowercased())")
        return []
    }
}
