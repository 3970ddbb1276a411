import FleetModel
import TUICore

// Keys while a modal is open: the modal takes them all, so a stray `d` in a prompt never drains.
extension DashboardReducer {
    static func handleModalKey(_ key: Key, state: inout DashboardState) -> [DashboardEffect] {
        switch state.modal {
        case let .help(offset):
            switch key {
            case .up, .char("k"): state.modal = .help(offset: max(0, offset - 1))
            case .down, .char("j"): state.modal = .help(offset: offset + 1)
            case .pageUp: state.modal = .help(offset: max(0, offset - 10))
            case .pageDown, .char(" "): state.modal = .help(offset: offset + 10)
            default: state.modal = nil
            }
            return []
        case var .confirm(request):
            switch key {
            case .char("y"), .char("Y"):
                return confirmed(request, state: &state)
            case .enter:
                return request.selectedButton == 0 ? confirmed(request, state: &state) : cancelled(request, state: &state)
            case .char("n"), .char("N"), .escape, .char("q"):
                return cancelled(request, state: &state)
            case .left, .right, .tab, .backTab:
                request.selectedButton = 1 - request.selectedButton
                state.modal = .confirm(request)
                return []
            default:
                return []
            }
        case var .weightPrompt(prompt):
            switch key {
            case .escape:
                state.modal = nil
                state.post("weight not changed")
                return []
            case .enter:
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
            switch key {
            case .escape:
                state.modal = nil
                state.keepSelection { $0.currentFilter = TextFilter("") }
            case .enter:
                state.modal = nil
            default:
                input.handle(key)
                state.modal = .filter(input)
                let text = input.text
                state.keepSelection { $0.currentFilter = TextFilter(text) }
            }
            return []
        case nil:
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
