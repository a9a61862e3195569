import VoiceCore

/// The whole configuration: one section per subsystem, each with a default for every key.
///
/// The file is YAML (`Config/voiced.yaml` documents every key). A missing section or key takes its
/// default, so an empty file is a valid configuration.
public struct VoicedConfiguration: Sendable, Codable, Equatable {
    public var daemon = DaemonSettings()
    public var conversation = ConversationSettings()
    public var audio = AudioSettings()
    public var realtime = RealtimeSettings()
    public var control = ControlSettings()
    public var button = ButtonSettings()
    public var led = LEDSettings()
    public var listening = ListeningSettings()

    public init() {}

    enum CodingKeys: String, CodingKey {
        case daemon
        case conversation
        case audio
        case realtime
        case control
        case button
        case led
        case listening
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        daemon = try container.decodeIfPresent(DaemonSettings.self, forKey: .daemon) ?? .init()
        conversation = try container.decodeIfPresent(ConversationSettings.self, forKey: .conversation) ?? .init()
        audio = try container.decodeIfPresent(AudioSettings.self, forKey: .audio) ?? .init()
        realtime = try container.decodeIfPresent(RealtimeSettings.self, forKey: .realtime) ?? .init()
        control = try container.decodeIfPresent(ControlSettings.self, forKey: .control) ?? .init()
        button = try container.decodeIfPresent(ButtonSettings.self, forKey: .button) ?? .init()
        led = try container.decodeIfPresent(LEDSettings.self, forKey: .led) ?? .init()
        listening = try container.decodeIfPresent(ListeningSettings.self, forKey: .listening) ?? .init()
    }
}
