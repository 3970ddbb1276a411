import Foundation
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
        let base64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return Array("-----BEGIN CERTIFICATE-----\n\(base64)\(base64.isEmpty ? "" : "\n")-----END CERTIFICATE-----\n".utf8)
    }
}
