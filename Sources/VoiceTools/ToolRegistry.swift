#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import VoiceCore
import VoiceProtocol

/// The tools of a session: what `session.update` offers, and how a call by name is carried out.
///
/// Every call ends in a `ToolResult`, never a throw or a crash: unknown names, arguments that are not a JSON
/// object or are too large, and failing tools all become `{"error": "..."}` outputs the model can explain.
public struct ToolRegistry: Sendable {
    public let settings: ToolSettings
    private let device: (any DeviceControl)?
    private let poster: HTTPPoster
    private let now: @Sendable () -> Date
    private let timeZone: @Sendable () -> LocalTimeZone

    /// - Parameters:
    ///   - device: what the built-in device tools act on; nil offers none of them.
    ///   - now, timeZone: the clock of `local_time` (injected in tests).
    public init(
        settings: ToolSettings,
        device: (any DeviceControl)?,
        poster: HTTPPoster = HTTPPoster(),
        now: @escaping @Sendable () -> Date = { Date() },
        timeZone: @escaping @Sendable () -> LocalTimeZone = { .system }
    ) {
        self.settings = settings
        self.device = device
        self.poster = poster
        self.now = now
        self.timeZone = timeZone
    }

    private var offersDeviceTools: Bool { settings.deviceTools && device != nil }

    /// `session.tools`: the enabled server-side tools, then the device tools, then the configured functions.
    public var sessionTools: [Tool] { Self.sessionTools(for: settings, deviceTools: offersDeviceTools) }

    /// `session.tools` for these settings, before any device exists (the session is built before the daemon's
    /// coordinator). `deviceTools` nil follows `settings.deviceTools`.
    public static func sessionTools(for settings: ToolSettings, deviceTools: Bool? = nil) -> [Tool] {
        let offersDeviceTools = deviceTools ?? settings.deviceTools
        var tools: [Tool] = []
        let web = settings.webSearch
        if web.enabled {
            tools.append(
                .webSearch(
                    WebSearchTool(
                        allowedDomains: web.allowedDomains.isEmpty ? nil : web.allowedDomains,
                        excludedDomains: web.excludedDomains.isEmpty ? nil : web.excludedDomains
                    )))
        }
        let x = settings.xSearch
        if x.enabled {
            tools.append(
                .xSearch(
                    XSearchTool(
                        allowedXHandles: x.allowedHandles.isEmpty ? nil : x.allowedHandles,
                        excludedXHandles: x.excludedHandles.isEmpty ? nil : x.excludedHandles,
                        fromDate: x.fromDate.isEmpty ? nil : x.fromDate,
                        toDate: x.toDate.isEmpty ? nil : x.toDate
                    )))
        }
        let files = settings.fileSearch
        if !files.vectorStoreIDs.isEmpty {
            tools.append(
                .fileSearch(
                    FileSearchTool(
                        vectorStoreIDs: files.vectorStoreIDs,
                        maxNumberOfResults: files.maximumResults > 0 ? files.maximumResults : nil
                    )))
        }
        for server in settings.mcpServers {
            tools.append(
                .mcp(
                    MCPTool(
                        serverURL: server.url,
                        serverLabel: server.label.isEmpty ? nil : server.label,
                        serverDescription: server.description.isEmpty ? nil : server.description,
                        allowedTools: server.allowedTools.isEmpty ? nil : server.allowedTools,
                        authorization: server.authorization.isEmpty ? nil : server.authorization,
                        headers: server.headers.isEmpty ? nil : server.headers
                    )))
        }
        if offersDeviceTools {
            tools += BuiltInDeviceTool.allCases.map { .function($0.definition) }
        }
        for function in settings.functions {
            tools.append(
                .function(
                    FunctionTool(
                        name: function.name,
                        description: function.description.isEmpty ? nil : function.description,
                        parameters: function.parameters
                    )))
        }
        return tools
    }

    /// Whether `name` is a function this registry runs (server-side tools are run by xAI).
    public func handles(_ name: String) -> Bool {
        (offersDeviceTools && BuiltInDeviceTool(rawValue: name) != nil)
            || settings.functions.contains { $0.name == name }
    }

    /// Carries out one call. `arguments` is the JSON string from `response.function_call_arguments.done`.
    public func call(name: String, arguments: String) async -> ToolResult {
        guard arguments.utf8.count <= settings.maximumArgumentBytes else {
            return .failure(
                "the arguments are \(arguments.utf8.count) bytes long; at most \(settings.maximumArgumentBytes) are accepted"
            )
        }
        let parsed: [String: JSONValue]
        let trimmed = arguments.trimmedWhitespace
        if trimmed.isEmpty {
            parsed = [:]
        } else {
            guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(trimmed.utf8)),
                let object = value.objectValue
            else {
                return .failure("the arguments of \(name) are not a JSON object")
            }
            parsed = object
        }
        if offersDeviceTools, let device, let tool = BuiltInDeviceTool(rawValue: name) {
            var result = await tool.run(arguments: parsed, device: device, now: now(), timeZone: timeZone())
            result.endsTheReply = tool.endsTheReply && result.succeeded
            return result
        }
        guard let function = settings.functions.first(where: { $0.name == name }) else {
            return .failure("there is no tool named \(name) on this device")
        }
        // The program or endpoint gets the arguments as sent (already checked to be a JSON object).
        let body = trimmed.isEmpty ? "{}" : trimmed
        switch function.action {
        case .program(let program): return await ProgramRunner.run(program, toolName: name, arguments: body)
        case .httpPost(let post): return await poster.post(post, body: body)
        }
    }
}
