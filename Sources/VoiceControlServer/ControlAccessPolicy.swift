import VoiceCore

/// Who may use the control socket: the allowed users and groups, resolved to ids.
///
/// Pure: `permits` looks only at the ids it is given. Root and the daemon's own user are added to the
/// allowed users by `resolve` (unless a test asks otherwise).
public struct ControlAccessPolicy: Sendable, Equatable {
    public var allowedUserIDs: Set<UInt32>
    public var allowedGroupIDs: Set<UInt32>

    public init(allowedUserIDs: Set<UInt32>, allowedGroupIDs: Set<UInt32>) {
        self.allowedUserIDs = allowedUserIDs
        self.allowedGroupIDs = allowedGroupIDs
    }

    /// True when `uid` is an allowed user or one of `groups` (primary and supplementary) is allowed.
    public func permits(uid: UInt32, groups: [UInt32]) -> Bool {
        allowedUserIDs.contains(uid) || groups.contains { allowedGroupIDs.contains($0) }
    }

    /// Resolves the names in `settings` through the user and group databases.
    ///
    /// - Returns: the policy, and one warning per name that does not exist (it is skipped).
    public static func resolve(
        _ settings: ControlSettings,
        daemonUserID: UInt32,
        allowRootAndDaemonUser: Bool = true
    ) -> (policy: ControlAccessPolicy, warnings: [String]) {
        var warnings: [String] = []
        var users = Set<UInt32>()
        var groups = Set<UInt32>()
        if allowRootAndDaemonUser {
            users.insert(0)
            users.insert(daemonUserID)
        }
        for name in settings.allowedUsers {
            if let uid = UserDatabase.userID(named: name) {
                users.insert(uid)
            } else {
                warnings.append("control.allowed_users: no user \"\(name)\" on this system; it is ignored")
            }
        }
        for name in settings.allowedGroups {
            if let gid = UserDatabase.groupID(named: name) {
                groups.insert(gid)
            } else {
                warnings.append(
                    "control.allowed_groups: no group \"\(name)\" on this system; it is ignored "
                        + "(create it with `groupadd --system \(name)` or change the config)")
            }
        }
        return (ControlAccessPolicy(allowedUserIDs: users, allowedGroupIDs: groups), warnings)
    }
}
