#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import VoiceControl

extension VoiceCtl {
    struct Doctor: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the setup and say what to fix.",
            discussion: """
                Checks the control socket (exists, permissions, reachable) here, then asks voiced for its own \
                checks (audio devices, GPIO, API key, clock). Exits 1 when a problem is found, 3 when voiced \
                cannot be reached.
                """
        )

        @OptionGroup var options: ConnectionOptions

        func run() throws {
            let console = Console.current
            let path = options.socketPath(in: console)
            var checks = Self.localSocketChecks(path: path)
            var unreachable = false
            do {
                let client = try options.connect(console)
                checks.append(
                    .init(
                        name: "daemon", outcome: .ok,
                        detail: "voiced \(client.hello.daemonVersion) answers on \(path)"))
                if case .doctor(let report) = try client.send(.doctor) { checks += report.checks }
            } catch {
                unreachable = VoicectlExit.code(for: error) == VoicectlExit.unreachable
                checks.append(
                    .init(
                        name: "daemon", outcome: .problem, detail: error.description,
                        fix: error.hint ?? "see `journalctl -u voiced`"))
                if unreachable { checks.append(Self.localKeyCheck(console.environment)) }
            }
            let report = DoctorReport(checks: checks)
            if options.json {
                console.out(ControlWire.resultJSON(.doctor(report)))
            } else {
                for check in report.checks {
                    let mark =
                        switch check.outcome {
                        case .ok: "ok     "
                        case .warning: "warning"
                        case .problem: "PROBLEM"
                        }
                    console.out("[\(mark)] \(check.name): \(check.detail)")
                    if !check.fix.isEmpty { console.out("          fix: \(check.fix)") }
                }
            }
            if unreachable { throw ExitCode(VoicectlExit.unreachable) }
            if !report.isHealthy { throw ExitCode(VoicectlExit.refused) }
        }

        /// What can be seen of the socket from here, without the daemon.
        static func localSocketChecks(path: String) -> [DoctorReport.Check] {
            var info = stat()
            guard lstat(path, &info) == 0 else {
                return [
                    .init(
                        name: "control socket", outcome: .problem, detail: "\(path) does not exist",
                        fix: "start voiced (systemctl start voiced), or pass --socket / set VOICED_SOCKET")
                ]
            }
            guard (info.st_mode & S_IFMT) == S_IFSOCK else {
                return [
                    .init(
                        name: "control socket", outcome: .problem, detail: "\(path) is not a socket",
                        fix: "remove it and restart voiced")
                ]
            }
            let mode = String(info.st_mode & 0o777, radix: 8)
            let group = groupName(info.st_gid)
            var checks: [DoctorReport.Check] = []
            if info.st_mode & 0o007 != 0 {
                checks.append(
                    .init(
                        name: "socket permissions", outcome: .warning,
                        detail: "\(path) is mode \(mode): every local user can reach it",
                        fix: "set control.socket_mode to \"0660\""))
            } else {
                checks.append(
                    .init(
                        name: "socket permissions", outcome: .ok,
                        detail: "mode \(mode), group \(group)"))
            }
            if access(path, R_OK | W_OK) != 0 {
                checks.append(
                    .init(
                        name: "socket access", outcome: .problem,
                        detail: "your user cannot open \(path) (mode \(mode), group \(group))",
                        fix: "sudo usermod -aG \(group) $USER, then log in again"))
            }
            return checks
        }

        static func localKeyCheck(_ environment: [String: String]) -> DoctorReport.Check {
            if let key = environment["XAI_API_KEY"], !key.isEmpty {
                return .init(name: "api key", outcome: .ok, detail: "XAI_API_KEY is set in this shell")
            }
            return .init(
                name: "api key", outcome: .warning,
                detail: "cannot ask voiced whether it has a key (it is not reachable)",
                fix: "for the service, put the key in the credential file named in voiced.service; "
                    + "for `voiced once`, export XAI_API_KEY")
        }

        static func groupName(_ gid: gid_t) -> String {
            guard let entry = getgrgid(gid), let name = entry.pointee.gr_name else { return "gid \(gid)" }
            return String(cString: name)
        }
    }
}
