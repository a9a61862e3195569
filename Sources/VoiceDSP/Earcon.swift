/// The short sounds the appliance makes. Generated in code, never sent upstream.
public enum Earcon: String, Sendable, Codable, CaseIterable {
    case listening
    case done
    case error
    case connected
    case offline
}
