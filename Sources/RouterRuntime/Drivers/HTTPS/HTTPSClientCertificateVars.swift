import NIOSSL

/// The vars uWSGI's HTTPS router adds for a TLS client (`plugins/http/https.c`
/// `hr_https_add_vars`), in its order: `HTTPS=on` always; with a client certificate
/// `HTTPS_CLIENT_CERTIFICATE` (its DER bytes), `HTTPS_DN` (the subject, `X509_NAME_oneline`)
/// and, with `--https-export-cert`, `HTTPS_CC` (the certificate in PEM). The SNI name becomes
/// the key of requests without Host.
enum HTTPSClientCertificateVars {
    /// The machine's inputs for a completed handshake.
    static func facts(_ handshake: TLSLayer.Handshake, exportPEM: Bool) -> ClientLayerFacts {
        var facts = ClientLayerFacts(key: handshake.serverName, isHTTPS: true)
        guard let certificate = handshake.peerCertificate, let der = try? certificate.toDERBytes() else { return facts }
        facts.tlsVars.append(("HTTPS_CLIENT_CERTIFICATE", der))
        if let subject = X509SubjectName.oneline(certificateDER: der) {
            facts.tlsVars.append(("HTTPS_DN", Array(subject.utf8)))
        }
        if exportPEM {
            facts.tlsVars.append(("HTTPS_CC", pem(der)))
        }
        return facts
    }

    /// DER as `PEM_write_bio_X509` writes it: base64 in 64-column lines between the markers.
    static func pem(_ der: [UInt8]) -> [UInt8] {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var base64: [UInt8] = []
        base64.reserveCapacity((der.count + 2) / 3 * 4)
        var index = 0
        while index < der.count {
            let b0 = der[index]
            let b1 = index + 1 < der.count ? der[index + 1] : 0
            let b2 = index + 2 < der.count ? der[index + 2] : 0
            base64.append(alphabet[Int(b0 >> 2)])
            base64.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            base64.append(index + 1 < der.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            base64.append(index + 2 < der.count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        var out = Array("-----BEGIN CERTIFICATE-----\n".utf8)
        var line = 0
        while line < base64.count {
            out += base64[line..<min(line + 64, base64.count)]
            out.append(UInt8(ascii: "\n"))
            line += 64
        }
        out += Array("-----END CERTIFICATE-----\n".utf8)
        return out
    }
}
