/// The `control:` section of the config: the Unix control socket and who may use it.
///
/// Every key has a default; a missing key takes it.
public struct ControlSettings: Sendable, Equatable, Codable {
    /// Where the socket is created (systemd's RuntimeDirectory makes `/run/voiced`).
    public var socketPath: String = "/run/voiced/control.sock"
    /// Group given to the socket file (chown) when the group exists.
    public var socketGroup: String = "voiced"
    /// Socket file permissions, as an octal string ("0660": owner and group read/write).
    public var socketMode: String = "0660"
    /// User names (or numeric uids) allowed to connect, in addition to root and the daemon's own user.
    public var allowedUsers: [String] = []
    /// Group names (or numeric gids) whose members are allowed to connect (primary or supplementary).
    public var allowedGroups: [String] = ["voiced"]
    /// Connections beyond this many are refused with a `busy` error.
    public var maximumClients: Int = 64
    /// Longest request line, in bytes; a longer line gets a `too_large` error and the connection closes.
    public var maximumLineBytes: Int = 65_536
    /// Events queued for one subscriber before it is considered stalled and dropped (with a notice).
    public var subscriberQueueLimit: Int = 256
    /// The persisted voice, volume and mute (systemd's StateDirectory makes `/var/lib/voiced`).
    public var stateFile: String = "/var/lib/voiced/state"

    public init() {}

    /// `socketMode` as permission bits, or nil when it is not an octal number from 0 to 0777.
    public var socketPermissions: UInt32? {
        var text = Substring(socketMode)
        if text.hasPrefix("0o") { text = text.dropFirst(2) }
        guard !text.isEmpty, text.count <= 4, let bits = UInt32(text, radix: 8), bits <= 0o777 else { return nil }
        return bits
    }

    enum CodingKeys: String, CodingKey {
        case socketPath = "socket_path"
        case socketGroup = "socket_group"
        case socketMode = "socket_mode"
        case allowedUsers = "allowed_users"
        case allowedGroups = "allowed_groups"
        case maximumClients = "max_clients"
        case maximumLineBytes = "max_line_bytes"
        case subscriberQueueLimit = "subscriber_queue_limit"
        case stateFile = "state_file"
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        socketPath = try container.decodeIfPresent(String.self, forKey: .socketPath) ?? socketPath
        socketGroup = try container.decodeIfPresent(String.self, forKey: .socketGroup) ?? socketGroup
        socketMode = try container.decodeIfPresent(String.self, forKey: .socketMode) ?? socketMode
        allowedUsers = try container.decodeIfPresent([String].self, forKey: .allowedUsers) ?? allowedUsers
        allowedGroups = try container.decodeIfPresent([String].self, forKey: .allowedGroups) ?? allowedGroups
        maximumClients = try container.decodeIfPresent(Int.self, forKey: .maximumClients) ?? maximumClients
        maximumLineBytes = try container.decodeIfPresent(Int.self, forKey: .maximumLineBytes) ?? maximumLineBytes
        subscriberQueueLimit =
            try container.decodeIfPresent(Int.self, forKey: .subscriberQueueLimit) ?? subscriberQueueLimit
        stateFile = try container.decodeIfPresent(String.self, forKey: .stateFile) ?? stateFile
    }

    /// Problems a person must fix in the config, one sentence each (empty when valid).
    public func validationProblems() -> [String] {
        var problems: [String] = []
        if socketPath.isEmpty {
            problems.append("control.socket_path is empty; set it to e.g. /run/voiced/control.sock")
        }
        // sun_path holds 108 bytes including the terminating NUL.
        if socketPath.utf8.count > 107 {
            problems.append(
                "control.socket_path is \(socketPath.utf8.count) bytes long; Unix socket paths must be "
                    + "at most 107 bytes")
        }
        if socketPermissions == nil {
            problems.append("control.socket_mode \"\(socketMode)\" is not an octal mode like \"0660\"")
        }
        if maximumClients < 1 { problems.append("control.max_clients must be at least 1, not \(maximumClients)") }
        if maximumLineBytes < 1_024 {
            problems.append("control.max_line_bytes must be at least 1024, not \(maximumLineBytes)")
        }
        if subscriberQueueLimit < 1 {
            problems.append("control.subscriber_queue_limit must be at least 1, not \(subscriberQueueLimit)")
        }
        return problems
    }
}
