/// Checks an OpenSSL cipher string (`--https …,CIPHERS`, `--sni-dir-ciphers`) before BoringSSL
/// sees it: swift-nio-ssl treats a string BoringSSL refuses (a syntax error, or one selecting no
/// TLS 1.2 cipher) as a programming error and stops the process, so fleetrouter evaluates the
/// string itself, with BoringSSL's names and aliases (`ssl/ssl_cipher.cc`), and refuses at start
/// what would select nothing, or what BoringSSL would refuse as a syntax error. An unknown name
/// selects nothing (BoringSSL skips it too: `HIGH:!aNULL:!MD5` works). Stricter than BoringSSL:
/// `[a|b]` groups are refused, and standard (`TLS_…`) names select nothing.
enum CipherListCheck {
    /// One TLS 1.2 cipher BoringSSL knows.
    struct Cipher {
        let name: String
        let kx: String
        let auth: String
        let enc: String
        let mac: String
        /// Selected only by its name or an alias naming its cipher (`3DES`): BoringSSL's
        /// `include_deprecated`.
        let deprecated: Bool
    }

    static let ciphers: [Cipher] = [
        Cipher(name: "DES-CBC3-SHA", kx: "RSA", auth: "RSA", enc: "3DES", mac: "SHA1", deprecated: true),
        Cipher(name: "AES128-SHA", kx: "RSA", auth: "RSA", enc: "AES128", mac: "SHA1", deprecated: false),
        Cipher(name: "AES256-SHA", kx: "RSA", auth: "RSA", enc: "AES256", mac: "SHA1", deprecated: false),
        Cipher(name: "PSK-AES128-CBC-SHA", kx: "PSK", auth: "PSK", enc: "AES128", mac: "SHA1", deprecated: false),
        Cipher(name: "PSK-AES256-CBC-SHA", kx: "PSK", auth: "PSK", enc: "AES256", mac: "SHA1", deprecated: false),
        Cipher(name: "AES128-GCM-SHA256", kx: "RSA", auth: "RSA", enc: "AES128GCM", mac: "AEAD", deprecated: false),
        Cipher(name: "AES256-GCM-SHA384", kx: "RSA", auth: "RSA", enc: "AES256GCM", mac: "AEAD", deprecated: false),
        Cipher(name: "ECDHE-ECDSA-AES128-SHA", kx: "ECDHE", auth: "ECDSA", enc: "AES128", mac: "SHA1", deprecated: false),
        Cipher(name: "ECDHE-ECDSA-AES256-SHA", kx: "ECDHE", auth: "ECDSA", enc: "AES256", mac: "SHA1", deprecated: false),
        Cipher(name: "ECDHE-RSA-AES128-SHA", kx: "ECDHE", auth: "RSA", enc: "AES128", mac: "SHA1", deprecated: false),
        Cipher(name: "ECDHE-RSA-AES256-SHA", kx: "ECDHE", auth: "RSA", enc: "AES256", mac: "SHA1", deprecated: false),
        Cipher(name: "ECDHE-ECDSA-AES128-SHA256", kx: "ECDHE", auth: "ECDSA", enc: "AES128", mac: "SHA256", deprecated: true),
        Cipher(name: "ECDHE-RSA-AES128-SHA256", kx: "ECDHE", auth: "RSA", enc: "AES128", mac: "SHA256", deprecated: true),
        Cipher(name: "ECDHE-ECDSA-AES128-GCM-SHA256", kx: "ECDHE", auth: "ECDSA", enc: "AES128GCM", mac: "AEAD", deprecated: false),
        Cipher(name: "ECDHE-ECDSA-AES256-GCM-SHA384", kx: "ECDHE", auth: "ECDSA", enc: "AES256GCM", mac: "AEAD", deprecated: false),
        Cipher(name: "ECDHE-RSA-AES128-GCM-SHA256", kx: "ECDHE", auth: "RSA", enc: "AES128GCM", mac: "AEAD", deprecated: false),
        Cipher(name: "ECDHE-RSA-AES256-GCM-SHA384", kx: "ECDHE", auth: "RSA", enc: "AES256GCM", mac: "AEAD", deprecated: false),
        Cipher(name: "ECDHE-PSK-AES128-CBC-SHA", kx: "ECDHE", auth: "PSK", enc: "AES128", mac: "SHA1", deprecated: false),
        Cipher(name: "ECDHE-PSK-AES256-CBC-SHA", kx: "ECDHE", auth: "PSK", enc: "AES256", mac: "SHA1", deprecated: false),
        Cipher(name: "ECDHE-RSA-CHACHA20-POLY1305", kx: "ECDHE", auth: "RSA", enc: "CHACHA20", mac: "AEAD", deprecated: false),
        Cipher(name: "ECDHE-ECDSA-CHACHA20-POLY1305", kx: "ECDHE", auth: "ECDSA", enc: "CHACHA20", mac: "AEAD", deprecated: false),
        Cipher(name: "ECDHE-PSK-CHACHA20-POLY1305", kx: "ECDHE", auth: "PSK", enc: "CHACHA20", mac: "AEAD", deprecated: false),
    ]

    /// BoringSSL's aliases: which ciphers each selects, and whether it reaches deprecated ones.
    static func alias(_ name: String) -> (matches: (Cipher) -> Bool, includesDeprecated: Bool)? {
        switch name {
        case "ALL", "HIGH", "FIPS": ({ _ in true }, false)
        case "kRSA": ({ $0.kx == "RSA" }, false)
        case "kECDHE", "kEECDH", "ECDH", "ECDHE", "EECDH": ({ $0.kx == "ECDHE" }, false)
        case "kPSK": ({ $0.kx == "PSK" }, false)
        case "aRSA": ({ $0.auth == "RSA" }, false)
        case "aECDSA", "ECDSA": ({ $0.auth == "ECDSA" }, false)
        case "aPSK": ({ $0.auth == "PSK" }, false)
        case "RSA": ({ $0.kx == "RSA" && $0.auth == "RSA" }, false)
        case "PSK": ({ $0.kx == "PSK" && $0.auth == "PSK" }, false)
        case "3DES": ({ $0.enc == "3DES" }, true)
        case "AES128": ({ $0.enc == "AES128" || $0.enc == "AES128GCM" }, false)
        case "AES256": ({ $0.enc == "AES256" || $0.enc == "AES256GCM" }, false)
        case "AES": ({ $0.enc.hasPrefix("AES") }, false)
        case "AESGCM": ({ $0.enc.hasSuffix("GCM") }, false)
        case "CHACHA20": ({ $0.enc == "CHACHA20" }, false)
        case "SHA1", "SHA": ({ $0.mac == "SHA1" }, false)
        case "SSLv3", "TLSv1": ({ $0.mac == "SHA1" }, false)
        case "TLSv1.2": ({ $0.mac != "SHA1" }, false)
        default: nil
        }
    }

    /// The ciphers `text` enables, or why it is refused.
    static func enabled(by text: String) -> Result<[String], TLSMaterialError> {
        var active = Set<String>()
        var killed = Set<String>()
        let separators: Set<Character> = [":", " ", ";", ","]
        var tokens = text.split(whereSeparator: { separators.contains($0) }).map(String.init)
        if tokens.first == "DEFAULT" {
            tokens.removeFirst()
            for cipher in ciphers where !cipher.deprecated { active.insert(cipher.name) }
        }
        for token in tokens {
            var body = Substring(token)
            let rule = body.first.flatMap { "!-+".contains($0) ? $0 : nil }
            if rule != nil { body = body.dropFirst() }
            if body == "@STRENGTH" { continue }
            let selected: [Cipher]
            if let exact = ciphers.first(where: { $0.name == body }) {
                selected = [exact]
            } else {
                let parts = body.split(separator: "+", omittingEmptySubsequences: false).map(String.init)
                var matching = ciphers
                var deprecatedOK = true
                for part in parts {
                    guard !part.isEmpty, part.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._".contains($0)) }) else {
                        return .failure(TLSMaterialError(file: "cipher string '\(text)'", reason: "has the invalid rule '\(token)'"))
                    }
                    // An unknown name selects nothing, as in BoringSSL (`!aNULL`, `!MD5`).
                    guard let alias = alias(part) else {
                        matching = []
                        break
                    }
                    matching = matching.filter(alias.matches)
                    deprecatedOK = deprecatedOK && alias.includesDeprecated
                }
                selected = matching.filter { deprecatedOK || !$0.deprecated }
            }
            for cipher in selected {
                switch rule {
                case "!": killed.insert(cipher.name); active.remove(cipher.name)
                case "-": active.remove(cipher.name)
                case "+": break
                default: if !killed.contains(cipher.name) { active.insert(cipher.name) }
                }
            }
        }
        guard !active.isEmpty else {
            return .failure(TLSMaterialError(file: "cipher string '\(text)'", reason: "selects no TLS 1.2 cipher"))
        }
        return .success(ciphers.map(\.name).filter(active.contains))
    }
}
