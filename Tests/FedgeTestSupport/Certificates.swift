import FedgeEdge
import Foundation

/// A throwaway certificate authority and a server certificate for 127.0.0.1/localhost, made with openssl.
package struct TestCertificates: Sendable {
    package var caCertificate: String
    package var serverCertificate: String
    package var serverKey: String
    package var clientCertificate: String
    package var clientKey: String

    /// Makes the files in `directory`. Needs `openssl` (see `ExternalTools.hasOpenSSL`).
    package static func make(in directory: String) throws -> TestCertificates {
        let d = directory
        let steps: [[String]] = [
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", "/CN=fedge test CA", "-keyout", "\(d)/ca.key", "-out", "\(d)/ca.pem",
            ],
            [
                "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-subj", "/CN=localhost", "-keyout", "\(d)/server.key", "-out", "\(d)/server.csr",
            ],
            [
                "x509", "-req", "-in", "\(d)/server.csr", "-CA", "\(d)/ca.pem", "-CAkey", "\(d)/ca.key",
                "-CAcreateserial",
                "-days", "2", "-extfile", "\(d)/san.cnf", "-out", "\(d)/server.pem",
            ],
            [
                "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-subj", "/CN=edge-client", "-keyout", "\(d)/client.key", "-out", "\(d)/client.csr",
            ],
            [
                "x509", "-req", "-in", "\(d)/client.csr", "-CA", "\(d)/ca.pem", "-CAkey", "\(d)/ca.key",
                "-CAcreateserial",
                "-days", "2", "-out", "\(d)/client.pem",
            ],
        ]
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(
            toFile: "\(d)/san.cnf",
            atomically: true,
            encoding: .utf8
        )
        for step in steps {
            let result = try ExternalTools.runBlocking("/usr/bin/env", ["openssl"] + step)
            guard result.status == 0 else {
                throw CocoaError(
                    .fileWriteUnknown,
                    userInfo: [NSLocalizedDescriptionKey: "openssl failed: \(result.stderr)"]
                )
            }
        }
        return TestCertificates(
            caCertificate: "\(d)/ca.pem",
            serverCertificate: "\(d)/server.pem",
            serverKey: "\(d)/server.key",
            clientCertificate: "\(d)/client.pem",
            clientKey: "\(d)/client.key"
        )
    }
}
