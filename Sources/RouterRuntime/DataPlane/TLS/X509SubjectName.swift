/// A certificate's subject as OpenSSL's `X509_NAME_oneline` prints it (`/C=IT/O=Acme/CN=bob`),
/// the form uWSGI puts in `HTTPS_DN`: each attribute in certificate order as `/SHORTNAME=value`,
/// unknown attribute types as their dotted OID, value bytes outside printable ASCII as `\xHH`.
///
/// Read straight from the certificate's DER with a bounds-checked walker: a client certificate
/// comes from the wire, so no length is trusted.
enum X509SubjectName {
    /// The one-line subject of the DER certificate, or nil when the DER is not a certificate.
    static func oneline(certificateDER der: [UInt8]) -> String? {
        var outer = DERReader(der[...])
        guard let certificate = outer.element(tag: 0x30) else { return nil }
        var reader = DERReader(certificate)
        guard let tbs = reader.element(tag: 0x30) else { return nil }
        var fields = DERReader(tbs)
        if fields.peekTag == 0xA0 { _ = fields.element(tag: 0xA0) }  // version
        guard fields.element(tag: 0x02) != nil,  // serialNumber
              fields.element(tag: 0x30) != nil,  // signature
              fields.element(tag: 0x30) != nil,  // issuer
              fields.element(tag: 0x30) != nil,  // validity
              let subject = fields.element(tag: 0x30)
        else { return nil }
        return oneline(nameDER: subject)
    }

    /// The one-line form of a DER `Name` (the SEQUENCE's contents).
    static func oneline(nameDER: ArraySlice<UInt8>) -> String? {
        var text = ""
        var rdns = DERReader(nameDER)
        while !rdns.isAtEnd {
            guard let set = rdns.element(tag: 0x31) else { return nil }
            var attributes = DERReader(set)
            while !attributes.isAtEnd {
                guard let attribute = attributes.element(tag: 0x30) else { return nil }
                var parts = DERReader(attribute)
                guard let oid = parts.element(tag: 0x06), let value = parts.anyElement() else { return nil }
                let dotted = dottedOID(oid)
                text += "/" + (shortNames[dotted] ?? dotted) + "=" + escaped(value)
            }
        }
        return text
    }

    /// Value bytes with those outside printable ASCII as `\xHH` (OpenSSL's uppercase hex).
    private static func escaped(_ value: ArraySlice<UInt8>) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in value {
            if byte < 0x20 || byte > 0x7E {
                out += [UInt8(ascii: "\\"), UInt8(ascii: "x"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The dotted text of a DER OID's contents.
    static func dottedOID(_ bytes: ArraySlice<UInt8>) -> String {
        var arcs: [UInt64] = []
        var value: UInt64 = 0
        for byte in bytes {
            // An arc over 63 bits is not a real OID; stop rather than overflow.
            guard value < (UInt64(1) << 56) else { return "?" }
            value = value << 7 | UInt64(byte & 0x7F)
            if byte & 0x80 == 0 {
                if arcs.isEmpty {
                    let first: UInt64 = value < 40 ? 0 : (value < 80 ? 1 : 2)
                    arcs += [first, value - first * 40]
                } else {
                    arcs.append(value)
                }
                value = 0
            }
        }
        return arcs.map(String.init).joined(separator: ".")
    }

    /// OpenSSL's short names of the attribute types certificates use.
    static let shortNames: [String: String] = [
        "2.5.4.3": "CN", "2.5.4.4": "SN", "2.5.4.5": "serialNumber", "2.5.4.6": "C", "2.5.4.7": "L",
        "2.5.4.8": "ST", "2.5.4.9": "street", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.12": "title",
        "2.5.4.13": "description", "2.5.4.15": "businessCategory", "2.5.4.17": "postalCode",
        "2.5.4.41": "name", "2.5.4.42": "GN", "2.5.4.43": "initials", "2.5.4.44": "generationQualifier",
        "2.5.4.46": "dnQualifier", "2.5.4.65": "pseudonym", "2.5.4.97": "organizationIdentifier",
        "1.2.840.113549.1.9.1": "emailAddress", "0.9.2342.19200300.100.1.25": "DC",
        "0.9.2342.19200300.100.1.1": "UID", "1.3.6.1.4.1.311.60.2.1.3": "jurisdictionC",
        "1.3.6.1.4.1.311.60.2.1.2": "jurisdictionST", "1.3.6.1.4.1.311.60.2.1.1": "jurisdictionL",
    ]
}

/// A cursor over DER elements: tag, length (short or long form, at most 4 length bytes), contents.
struct DERReader {
    private var bytes: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { bytes.isEmpty }

    var peekTag: UInt8? { bytes.first }

    /// The contents of the next element if its tag is `tag` (consumed), else nil.
    mutating func element(tag: UInt8) -> ArraySlice<UInt8>? {
        guard peekTag == tag else { return nil }
        return anyElement()
    }

    /// The contents of the next element whatever its (single-byte) tag.
    mutating func anyElement() -> ArraySlice<UInt8>? {
        var rest = bytes
        guard rest.popFirst() != nil, let first = rest.popFirst() else { return nil }
        var length = 0
        if first & 0x80 == 0 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7F)
            guard count >= 1, count <= 4, rest.count >= count else { return nil }
            for _ in 0..<count { length = length << 8 | Int(rest.removeFirst()) }
        }
        guard length <= rest.count else { return nil }
        let contents = rest.prefix(length)
        bytes = rest.dropFirst(length)
        return contents
    }
}
