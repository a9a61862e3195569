import Foundation
import NIOSSL

/// A throwaway certificate for `wss://` on loopback, made with the `openssl` command (an EC P-256 key,
/// valid two days, for IP 127.0.0.1 and DNS localhost), in a private temporary directory.
struct SelfSignedCertificate: Sendable {
    let directory: URL
    let certificatePEM: String
    let context: NIOSSLContext

    var certificatePath: String { directory.appendingPathComponent("cert.pem").path }

    static func generate() throws -> SelfSignedCertificate {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("voiced-sim-tls-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let keyPath = directory.appendingPathComponent("key.pem").path
        let certificatePath = directory.appendingPathComponent("cert.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", keyPath, "-out", certificatePath, "-days", "2", "-subj", "/CN=voiced-sim",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
            process.waitUntilExit()
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw SimulatorError(
                "wss:// needs the openssl command to make a certificate (apt-get install openssl): \(error)")
        }
        guard process.terminationStatus == 0 else {
            try? FileManager.default.removeItem(at: directory)
            throw SimulatorError("openssl could not make a certificate (exit status \(process.terminationStatus))")
        }
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        return SelfSignedCertificate(
            directory: directory,
            certificatePEM: try String(contentsOfFile: certificatePath, encoding: .utf8),
            context: try NIOSSLContext(configuration: configuration))
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A simulator failure a person reads: what failed and what to do.
public struct SimulatorError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
