#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import VoiceCore
import VoiceProtocol

/// The device tools the daemon offers the model when `tools.device_tools` is on.
public enum BuiltInDeviceTool: String, Sendable, CaseIterable {
    case setVolume = "set_volume"
    case changeVolume = "change_volume"
    case mute
    case unmute
    case stop
    case setVoice = "set_voice"
    case deviceStatus = "device_status"
    case localTime = "local_time"

    /// Percent added or removed by `change_volume`.
    public static let volumeStep = 10

    /// The function tool offered in `session.update`.
    public var definition: FunctionTool {
        switch self {
        case .setVolume:
            FunctionTool(
                name: rawValue,
                description: "Set the speaker volume of this device, in percent (0 is silent, 100 is loudest).",
                parameters: Self.object(
                    ["percent": ["type": "integer", "minimum": 0, "maximum": 100, "description": "Volume in percent"]],
                    required: ["percent"]
                )
            )
        case .changeVolume:
            FunctionTool(
                name: rawValue,
                description: "Make this device's speaker louder or quieter by one step (\(Self.volumeStep) percent).",
                parameters: Self.object(
                    ["direction": ["type": "string", "enum": ["up", "down"]]], required: ["direction"])
            )
        case .mute:
            FunctionTool(
                name: rawValue,
                description: "Mute this device's microphone: it hears nothing until unmuted.",
                parameters: Self.object([:], required: [])
            )
        case .unmute:
            FunctionTool(
                name: rawValue, description: "Unmute this device's microphone.",
                parameters: Self.object([:], required: []))
        case .stop:
            FunctionTool(
                name: rawValue,
                description:
                    "Stop talking now, when the user asks you to stop or be quiet. Nothing is said afterwards.",
                parameters: Self.object([:], required: [])
            )
        case .setVoice:
            FunctionTool(
                name: rawValue,
                description: "Switch the voice this device speaks with.",
                parameters: Self.object(
                    ["voice": ["type": "string", "enum": .array(VoiceCatalog.all.map { .string($0) })]],
                    required: ["voice"]
                )
            )
        case .deviceStatus:
            FunctionTool(
                name: rawValue,
                description: "This device's volume, microphone mute, voice and connection.",
                parameters: Self.object([:], required: [])
            )
        case .localTime:
            FunctionTool(
                name: rawValue,
                description: "The local date, time, weekday and time zone where this device is.",
                parameters: Self.object([:], required: [])
            )
        }
    }

    /// Whether the reply should end with this call: no `response.create` follows a `stop`.
    public var endsTheReply: Bool { self == .stop }

    /// Runs the tool. Bad arguments give an error result, never a crash.
    public func run(arguments: [String: JSONValue], device: any DeviceControl, now: Date, timeZone: LocalTimeZone) async
        -> ToolResult
    {
        switch self {
        case .setVolume:
            guard let percent = arguments["percent"].flatMap(Self.integer) else {
                return .failure("set_volume needs \"percent\", a whole number from 0 to 100")
            }
            let clamped = max(0, min(100, percent))
            await device.setVolume(percent: clamped)
            return .success(["volume_percent": .number(Double(clamped))])
        case .changeVolume:
            let direction = arguments["direction"]?.stringValue?.lowercased()
            guard direction == "up" || direction == "down" else {
                return .failure("change_volume needs \"direction\": \"up\" or \"down\"")
            }
            let current = await device.deviceStatus().volumePercent
            let target = max(0, min(100, current + (direction == "up" ? Self.volumeStep : -Self.volumeStep)))
            await device.setVolume(percent: target)
            return .success(["volume_percent": .number(Double(target))])
        case .mute, .unmute:
            await device.setMuted(self == .mute)
            return .success(["muted": .bool(self == .mute)])
        case .stop:
            await device.cancelReply()
            return .success(["stopped": true])
        case .setVoice:
            guard let requested = arguments["voice"]?.stringValue, let voice = VoiceCatalog.canonical(requested) else {
                return .failure("set_voice needs \"voice\", one of: \(VoiceCatalog.all.joined(separator: ", "))")
            }
            await device.setVoice(voice)
            return .success(["voice": .string(voice)])
        case .deviceStatus:
            let status = await device.deviceStatus()
            return .success([
                "volume_percent": .number(Double(status.volumePercent)), "muted": .bool(status.muted),
                "voice": .string(status.voice), "state": .string(status.state),
                "connection": .string(status.connection),
            ])
        case .localTime:
            return .success(Self.localTime(now: now, timeZone: timeZone))
        }
    }

    static func localTime(now: Date, timeZone: LocalTimeZone) -> [String: JSONValue] {
        let local = LocalDateTime(now, offsetSeconds: timeZone.secondsFromUTC(now))
        return [
            "local_time": .string(local.iso8601), "weekday": .string(local.weekdayName),
            "time_zone": .string(timeZone.identifier),
        ]
    }

    private static func integer(_ value: JSONValue) -> Int? {
        switch value {
        case .number(let number) where number.isFinite && abs(number) < 1e9: Int(number.rounded())
        case .string(let text): Int(text.trimmedWhitespace)
        default: nil
        }
    }

    private static func object(_ properties: [String: JSONValue], required: [String]) -> JSONValue {
        var schema: [String: JSONValue] = ["type": "object", "properties": .object(properties)]
        if !required.isEmpty { schema["required"] = .array(required.map { .string($0) }) }
        return .object(schema)
    }
}
