import Foundation
import TUICore
import Yams

/// Parses theme YAML (the files are read by the executable, FleetApp's `ThemeFiles`):
///
/// ```yaml
/// name: solarized-dark
/// inherits: default          # optional: roles left out come from this built-in theme
/// roles:
///   selected: { fg: black, bg: cyan, attrs: [bold] }
///   dead: { fg: red, attrs: dim }
/// ```
///
/// Every error names the file, the line and the key.
public enum ThemeLoader {
    static let topKeys = ["name", "inherits", "roles"]
    static let styleKeys = ["fg", "bg", "attrs"]

    /// Parses theme text; `file` names it in errors and is the name when the file has none.
    public static func parse(_ text: String, file: String) throws(ThemeError) -> Theme {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw translate(error, file: file)
        } catch {
            throw ThemeError(file: file, line: nil, key: nil, problem: .syntax("\(error)"))
        }
        guard let root, case let .mapping(top) = root else {
            throw ThemeError(file: file, line: root?.mark?.line ?? 1, key: nil, problem: .expected("a mapping with 'roles'"))
        }
        for (keyNode, _) in top {
            let name = keyNode.string ?? "?"
            if !topKeys.contains(name) {
                throw ThemeError(file: file, line: keyNode.mark?.line, key: name, problem: .unknownKey(name, allowed: topKeys))
            }
        }
        let fallbackName = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        let name = try scalar(top["name"], key: "name", file: file) ?? fallbackName
        var styles: [ThemeRole: Style] = [:]
        if let parentNode = top["inherits"], let parent = try scalar(parentNode, key: "inherits", file: file) {
            guard let base = BuiltinThemes.theme(named: parent) else {
                throw ThemeError(file: file, line: parentNode.mark?.line, key: "inherits", problem: .unknownParent(parent))
            }
            styles = base.styles
        }
        guard let rolesNode = top["roles"] else {
            throw ThemeError(file: file, line: root.mark?.line, key: "roles", problem: .expected("a 'roles' mapping of role: style"))
        }
        guard case let .mapping(roles) = rolesNode else {
            throw ThemeError(file: file, line: rolesNode.mark?.line, key: "roles", problem: .expected("a mapping of role: style"))
        }
        for (roleNode, styleNode) in roles {
            let roleName = roleNode.string ?? "?"
            guard let role = ThemeRole(fileKey: roleName) else {
                throw ThemeError(file: file, line: roleNode.mark?.line, key: "roles.\(roleName)", problem: .unknownRole(roleName))
            }
            styles[role] = try style(styleNode, key: "roles.\(roleName)", file: file)
        }
        return Theme(name: name, styles: styles)
    }

    private static func style(_ node: Node, key: String, file: String) throws(ThemeError) -> Style {
        guard case let .mapping(map) = node else {
            throw ThemeError(file: file, line: node.mark?.line, key: key,
                             problem: .expected("a mapping such as { fg: white, bg: blue, attrs: [bold] }"))
        }
        var style = Style()
        for (keyNode, value) in map {
            let name = keyNode.string ?? "?"
            let path = "\(key).\(name)"
            switch name {
            case "fg", "bg":
                let text = try scalar(value, key: path, file: file) ?? ""
                guard let color = Color(name: text) else {
                    throw ThemeError(file: file, line: value.mark?.line, key: path, problem: .badColor(text))
                }
                if name == "fg" { style.foreground = color } else { style.background = color }
            case "attrs":
                style.attributes = try attributes(value, key: path, file: file)
            default:
                throw ThemeError(file: file, line: keyNode.mark?.line, key: path, problem: .unknownKey(name, allowed: styleKeys))
            }
        }
        return style
    }

    private static func attributes(_ node: Node, key: String, file: String) throws(ThemeError) -> TextAttributes {
        let items: [Node]
        switch node {
        case .scalar: items = [node]
        case let .sequence(sequence): items = Array(sequence)
        default:
            throw ThemeError(file: file, line: node.mark?.line, key: key, problem: .expected("an attribute or a list such as [bold, underline]"))
        }
        var attributes: TextAttributes = []
        for item in items {
            let text = try scalar(item, key: key, file: file) ?? ""
            switch text.lowercased() {
            case "bold": attributes.insert(.bold)
            case "dim": attributes.insert(.dim)
            case "underline": attributes.insert(.underline)
            case "reverse": attributes.insert(.reverse)
            case "none", "": break
            default: throw ThemeError(file: file, line: item.mark?.line, key: key, problem: .badAttribute(text))
            }
        }
        return attributes
    }

    private static func scalar(_ node: Node?, key: String, file: String) throws(ThemeError) -> String? {
        guard let node else { return nil }
        guard case let .scalar(scalar) = node else {
            throw ThemeError(file: file, line: node.mark?.line, key: key, problem: .expected("a single word"))
        }
        return scalar.string.trimmingCharacters(in: .whitespaces)
    }

    private static func translate(_ error: YamlError, file: String) -> ThemeError {
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return ThemeError(file: file, line: mark.line, key: nil, problem: .syntax(problem))
        case let .duplicatedKeysInMapping(duplicates, context):
            return ThemeError(file: file, line: context.mark.line, key: duplicates.first, problem: .syntax("duplicate key"))
        default:
            return ThemeError(file: file, line: nil, key: nil, problem: .syntax("\(error)"))
        }
    }
}
