import CSystemd
import VoiceCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One finding of `voicectl doctor`: what was checked, what was found, and what to do.
///
/// Same shape as `VoiceControl.DoctorReport.Check` (name, outcome, detail, fix), so the daemon maps
/// one onto the other field by field.
public struct DoctorFinding: Sendable, Equatable {
    public enum Outcome: String, Sendable, Equatable {
        case ok, warning, problem
    }

    public var name: String
    public var outcome: Outcome
    public var detail: String
    /// What to do; empty when `outcome` is ok.
    public var fix: String

    public init(name: String, outcome: Outcome, detail: String, fix: String = "") {
        self.name = name
        self.outcome = outcome
        self.detail = detail
        self.fix = fix
    }
}

/// A file as the checks see it.
public struct DoctorFileInfo: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case regular, directory, socket, characterDevice, other }
    public var kind: Kind
    /// Permission bits (0o777).
    public var mode: UInt32
    public var groupName: String
    public var size: Int

    public init(kind: Kind, mode: UInt32, groupName: String, size: Int) {
        self.kind = kind
        self.mode = mode
        self.groupName = groupName
        self.size = size
    }
}

/// What the doctor checks look at; ``LiveDoctorSystem`` in the daemon, a fake in tests. The clock's probes
/// (``SystemClockProbe``: wall clock, kernel NTP state) are part of it; a path exists when `info(of:)` finds it.
public protocol DoctorSystem: SystemClockProbe {
    /// Names in a directory, or nil when it cannot be read.
    func entries(of directory: String) -> [String]?
    /// `lstat` of a path, or nil when it does not exist.
    func info(of path: String) -> DoctorFileInfo?
    /// Whether this process may read (and, with `write`, write) the path.
    func canAccess(_ path: String, write: Bool) -> Bool
    func environment(_ name: String) -> String?
}

extension DoctorSystem {
    public func pathExists(_ path: String) -> Bool { info(of: path) != nil }
}

/// The checks behind `voicectl doctor` that look at the machine rather than at the daemon's state:
/// sound devices, GPIO devices, the API key, the control socket and the clock. Each returns one
/// finding; none throws or prints a secret.
public enum DoctorChecks {
    /// `/dev/snd` has at least one capture and one playback PCM, and this process may open them.
    ///
    /// - Parameter hardwareExpected: false when the configured PCMs are software-only (the simulated
    ///   card, `null`): then a machine without a sound card is fine.
    public static func soundDevices(hardwareExpected: Bool = true, system: any DoctorSystem) -> DoctorFinding {
        let name = "sound devices"
        let nodes = system.entries(of: "/dev/snd") ?? []
        let capture = nodes.filter { $0.hasPrefix("pcmC") && $0.hasSuffix("c") }.sorted()
        let playback = nodes.filter { $0.hasPrefix("pcmC") && $0.hasSuffix("p") }.sorted()
        if capture.isEmpty || playback.isEmpty {
            let missing = [capture.isEmpty ? "capture" : nil, playback.isEmpty ? "playback" : nil].compactMap { $0 }
            let detail = "no \(missing.joined(separator: " or ")) device in /dev/snd"
            guard hardwareExpected else {
                return DoctorFinding(name: name, outcome: .ok, detail: detail + " (software PCMs configured)")
            }
            return DoctorFinding(
                name: name, outcome: .problem, detail: detail,
                fix: "check the HAT's dtoverlay in /boot/firmware/config.txt (Firmware/README.md), reboot, "
                    + "then `arecord -l` and `aplay -l`"
            )
        }
        let blocked = (capture + playback).filter { !system.canAccess("/dev/snd/\($0)", write: true) }
        if let first = blocked.first {
            let group = system.info(of: "/dev/snd/\(first)")?.groupName ?? "audio"
            return DoctorFinding(
                name: name, outcome: .problem, detail: "no permission to open /dev/snd/\(first)",
                fix: "add the voiced user to group \(group) (the unit's SupplementaryGroups=audio does this for "
                    + "the service); for a shell: sudo usermod -aG \(group) $USER"
            )
        }
        return DoctorFinding(
            name: name, outcome: .ok,
            detail: "\(capture.count) capture and \(playback.count) playback device(s): "
                + (capture + playback).joined(separator: ", ")
        )
    }

    /// The GPIO chip for the button exists and may be opened. `status` is the daemon's view (it owns
    /// the line while it runs, and knows about busy lines and missing line names).
    public static func gpioButton(
        settings: ButtonSettings,
        status: ButtonStatus?,
        system: any DoctorSystem
    ) -> DoctorFinding {
        let name = "gpio button"
        guard settings.enabled else {
            return DoctorFinding(name: name, outcome: .ok, detail: "disabled (voicectl press works)")
        }
        if let status, status.state == "ready" {
            return DoctorFinding(name: name, outcome: .ok, detail: "ready on \(settings.chip) \(settings.line)")
        }
        let chips = (system.entries(of: "/dev") ?? []).filter { $0.hasPrefix("gpiochip") }.sorted()
        if chips.isEmpty {
            return DoctorFinding(
                name: name, outcome: .problem, detail: "no GPIO chips in /dev",
                fix: "this board has no GPIO controller, or it is hidden; set button.enabled: false, or check the "
                    + "unit's DeviceAllow=char-gpiochip"
            )
        }
        let candidates: [String]
        switch chipPath(settings.chip) {
        case .some(let path): candidates = [path]
        case .none: candidates = chips.map { "/dev/\($0)" }
        }
        guard let path = candidates.first, system.info(of: path) != nil else {
            return DoctorFinding(
                name: name, outcome: .problem,
                detail: "GPIO chip \(settings.chip) not found (present: \(chips.joined(separator: ", ")))",
                fix: "set button.chip to one of them, to its label, or to \"\" with a line name (`gpiodetect`)"
            )
        }
        let blocked = candidates.filter { !system.canAccess($0, write: true) }
        if let first = blocked.first {
            let group = system.info(of: first)?.groupName ?? "gpio"
            return DoctorFinding(
                name: name, outcome: .problem, detail: "no permission to open \(first) (group \(group))",
                fix: "add the voiced user to group \(group); without systemd's SupplementaryGroups: "
                    + "sudo usermod -aG \(group) voiced"
            )
        }
        if let status, status.state == "unavailable" {
            return DoctorFinding(
                name: name, outcome: .problem, detail: status.reason ?? "unavailable",
                fix: "see Firmware/README.md, \"When the button is unavailable\""
            )
        }
        return DoctorFinding(name: name, outcome: .ok, detail: "\(path) can be opened")
    }

    /// A key is configured, without reading or showing it: `XAI_API_KEY`, the systemd credential, or
    /// the key file (by size only).
    public static func apiKey(keyFile: String, system: any DoctorSystem) -> DoctorFinding {
        let name = "api key"
        if let value = system.environment("XAI_API_KEY"), !value.isEmpty {
            return DoctorFinding(name: name, outcome: .ok, detail: "from the environment variable XAI_API_KEY")
        }
        if let directory = system.environment("CREDENTIALS_DIRECTORY"), !directory.isEmpty {
            let path = directory + "/xai-api-key"
            if let info = system.info(of: path), info.size > 8 {
                return DoctorFinding(name: name, outcome: .ok, detail: "from the systemd credential xai-api-key")
            }
        }
        if let info = system.info(of: keyFile), info.size > 8 {
            if info.mode & 0o077 != 0 {
                return DoctorFinding(
                    name: name, outcome: .warning,
                    detail: "\(keyFile) is readable by others (mode \(String(info.mode, radix: 8)))",
                    fix: "sudo chmod 600 \(keyFile)"
                )
            }
            return DoctorFinding(name: name, outcome: .ok, detail: "\(keyFile) holds a key")
        }
        return DoctorFinding(
            name: name, outcome: .problem, detail: "no API key configured",
            fix: "write the key to \(keyFile) (sudo install -m 600 /dev/stdin \(keyFile)), then "
                + "sudo systemctl restart voiced"
        )
    }

    /// The control socket exists, is a socket, and is not open to every local user.
    public static func controlSocket(path: String, system: any DoctorSystem) -> DoctorFinding {
        let name = "control socket"
        guard let info = system.info(of: path) else {
            return DoctorFinding(
                name: name, outcome: .problem, detail: "\(path) does not exist",
                fix: "start voiced (sudo systemctl start voiced) or check control.socket_path"
            )
        }
        guard info.kind == .socket else {
            return DoctorFinding(
                name: name, outcome: .problem, detail: "\(path) is not a socket",
                fix: "remove it and restart voiced"
            )
        }
        let mode = String(info.mode, radix: 8)
        if info.mode & 0o007 != 0 {
            return DoctorFinding(
                name: name, outcome: .warning, detail: "\(path) is mode \(mode): every local user can use it",
                fix: "set control.socket_mode: \"0660\""
            )
        }
        return DoctorFinding(name: name, outcome: .ok, detail: "\(path), mode \(mode), group \(info.groupName)")
    }

    /// The clock is synchronized (``SystemClockAssessment``): a Pi has no real-time clock, and until NTP sets the
    /// time TLS to the API can fail on the certificate's dates. A clock earlier than this build is a problem; one
    /// not synchronized a warning; where nothing can tell (a container, the unit's sandbox with chrony) it is
    /// "unknown", not a failure.
    public static func clock(
        system: any DoctorSystem,
        earliestPlausibleSecondsSinceEpoch: Int = VoicedBuild.sourceDateSecondsSinceEpoch
    ) -> DoctorFinding {
        let name = "clock"
        let assessment = SystemClockAssessment(
            probe: system, earliestPlausibleSecondsSinceEpoch: earliestPlausibleSecondsSinceEpoch)
        let reading = assessment.reading
        let fix =
            "sudo timedatectl set-ntp true, and check that this machine reaches an NTP server (UDP port 123; "
            + "`timedatectl timesync-status`)"
        if assessment.isBeforeBuild {
            let built = UTCTimestamp.day(earliestPlausibleSecondsSinceEpoch)
            return DoctorFinding(
                name: name, outcome: .problem,
                detail: "the clock reads \(reading), before this build of voiced was made (\(built)): TLS to the "
                    + "realtime API fails until NTP sets it",
                fix: fix)
        }
        switch assessment.synchronization {
        case .synchronized(let source):
            return DoctorFinding(name: name, outcome: .ok, detail: "synchronized (\(source)); reads \(reading)")
        case .notSynchronized(let reason):
            return DoctorFinding(
                name: name, outcome: .warning,
                detail: "not synchronized (\(reason)); reads \(reading): if that is wrong, TLS to the realtime API "
                    + "fails until NTP sets it",
                fix: fix)
        case .unknown(let reason):
            return DoctorFinding(name: name, outcome: .ok, detail: "unknown (\(reason)); reads \(reading)")
        }
    }

    /// `/dev/gpiochipN` for a chip given by path, name or number; nil for a label or "" (any chip).
    static func chipPath(_ chip: String) -> String? {
        if chip.hasPrefix("/") { return chip }
        if !chip.isEmpty, chip.allSatisfy(\.isNumber) { return "/dev/gpiochip" + chip }
        if chip.hasPrefix("gpiochip") { return "/dev/" + chip }
        return nil
    }
}

/// The real machine.
public struct LiveDoctorSystem: DoctorSystem {
    public init() {}

    public func entries(of directory: String) -> [String]? {
        guard let handle = opendir(directory) else { return nil }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public func info(of path: String) -> DoctorFileInfo? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        let kind: DoctorFileInfo.Kind
        switch status.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFSOCK: kind = .socket
        case S_IFCHR: kind = .characterDevice
        default: kind = .other
        }
        var group = "gid \(status.st_gid)"
        if let entry = getgrgid(status.st_gid), let name = entry.pointee.gr_name { group = String(cString: name) }
        return DoctorFileInfo(
            kind: kind, mode: UInt32(status.st_mode & 0o777), groupName: group, size: Int(status.st_size))
    }

    public func canAccess(_ path: String, write: Bool) -> Bool {
        access(path, write ? (R_OK | W_OK) : R_OK) == 0
    }

    public func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    public func kernelClockSynchronized() -> Bool? { LiveSystemClock().kernelClockSynchronized() }

    public func secondsSinceEpoch() -> Int { LiveSystemClock().secondsSinceEpoch() }
}

/// The machine's wall clock and what the kernel and systemd-timesyncd say about it.
public struct LiveSystemClock: SystemClockProbe {
    public init() {}

    public func secondsSinceEpoch() -> Int {
        Int(time(nil))
    }

    public func pathExists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    public func kernelClockSynchronized() -> Bool? {
        // Mode 0 only reads. NTP clients (timesyncd, chrony, ntpd) clear STA_UNSYNC once they discipline the clock;
        // the call returns TIME_ERROR while it is set. The unit's ProtectClock= refuses the call outright (EPERM).
        var state = timex()
        let result = adjtimex(&state)
        guard result >= 0 else { return nil }
        return result != TIME_ERROR && (state.status & STA_UNSYNC) == 0
    }
}
