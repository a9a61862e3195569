#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import VoiceCore

/// Finds the xAI API key without ever printing it.
///
/// Order: `$XAI_API_KEY`; the systemd credential `$CREDENTIALS_DIRECTORY/xai-api-key`
/// (`LoadCredential=` in the unit); the configured key file; `~/.config/voiced/api-key`.
public enum APIKeyLocator {
    public static let credentialName = "xai-api-key"

    public struct Found: Sendable, Equatable {
        public var key: String
        /// Where it came from, for status and messages (never the key itself).
        public var source: String
    }

    public static func locate(
        keyFile: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Found? {
        if let key = environment["XAI_API_KEY"]?.trimmedWhitespace, !key.isEmpty {
            return Found(key: key, source: "environment variable XAI_API_KEY")
        }
        var candidates: [String] = []
        if let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty {
            candidates.append("\(directory)/\(credentialName)")
        }
        if let keyFile, !keyFile.isEmpty { candidates.append(keyFile) }
        if let home = environment["HOME"], !home.isEmpty { candidates.append("\(home)/.config/voiced/api-key") }
        for path in candidates {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            let key = text.trimmedWhitespace
            if !key.isEmpty { return Found(key: key, source: path) }
        }
        return nil
    }

    /// What to tell a person who has no key configured.
    public static func missingKeyAdvice(keyFile: String?) -> String {
        let file = keyFile ?? "/etc/voiced/api-key"
        return "no xAI API key: set XAI_API_KEY, or write the key to \(file) (mode 0600, owned by the voiced user), "
            + "or for the service use systemd's LoadCredential=\(credentialName):/path/to/key"
    }
}
