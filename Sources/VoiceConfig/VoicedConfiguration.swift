import VoiceCore

/// The whole configuration: one section per subsystem, each with a default for every key.
///
/// The file is YAML (`Config/voiced.yaml` documents every key). A missing section or key takes its
/// default, so an empty file is a valid configuration.
public struct VoicedConfiguration: Sendable, Codable, Equatable {
    public var daemon = DaemonSettings()
    public var conversation = ConversationSettings()

    public init() {}

    enum CodingKeys: String, CodingKey {
        case daemon
        case conversation
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        daemon = try container.decodeIfPresent(DaemonSettings.self, forKey: .daemon) ?? .init()
        conversation = try container.decodeIfPresent(ConversationSettings.self, forKey: .conversation) ?? .init()
    }
}
