import Foundation
import Testing
import VoiceCore
import VoiceProtocol
import VoiceTools

@Suite("Tool settings and registry")
struct ToolSettingsTests {
    private func decode(_ json: String) throws -> ToolSettings {
        try JSONDecoder().decode(ToolSettings.self, from: Data(json.utf8))
    }

    @Test("an empty section takes the defaults: device tools on, nothing else")
    func defaults() throws {
        let settings = try decode("{}")
        #expect(settings == ToolSettings())
        #expect(settings.deviceTools)
        let registry = ToolRegistry(settings: settings, device: FakeDevice())
        #expect(registry.sessionTools.map(\.typeName).allSatisfy { $0 == "function" })
        #expect(registry.sessionTools.count == BuiltInDeviceTool.allCases.count)
    }

    @Test("server-side tools, device tools and configured functions all reach session.tools")
    func everyKind() throws {
        let settings = try decode(
            """
            {"device_tools": true,
             "web_search": {"enabled": true, "allowed_domains": ["example.org"]},
             "x_search": {"enabled": true, "excluded_handles": ["spam"], "from_date": "2026-01-01"},
             "file_search": {"vector_store_ids": ["collection_1"], "max_num_results": 4},
             "mcp_servers": [{"url": "https://mcp.example.org/sse", "label": "home", "allowed_tools": ["lights"],
                              "authorization": "Bearer abc", "headers": {"X-Home": "1"}}],
             "functions": [
               {"name": "lights", "description": "Switch lights",
                "parameters": {"type": "object", "properties": {"on": {"type": "boolean"}}, "required": ["on"]},
                "http_post": {"url": "http://127.0.0.1:8123/api/webhook/x", "timeout_ms": 2000}},
               {"name": "weather", "program": {"argv": ["/usr/local/bin/weather", "--short"]}}]}
            """
        )
        let tools = ToolRegistry(settings: settings, device: FakeDevice()).sessionTools
        #expect(tools.contains(.webSearch(WebSearchTool(allowedDomains: ["example.org"]))))
        #expect(tools.contains(.xSearch(XSearchTool(excludedXHandles: ["spam"], fromDate: "2026-01-01"))))
        #expect(tools.contains(.fileSearch(FileSearchTool(vectorStoreIDs: ["collection_1"], maxNumberOfResults: 4))))
        #expect(
            tools.contains(
                .mcp(
                    MCPTool(
                        serverURL: "https://mcp.example.org/sse", serverLabel: "home", allowedTools: ["lights"],
                        authorization: "Bearer abc", headers: ["X-Home": "1"]
                    ))))
        let schema: JSONValue = [
            "type": "object", "properties": ["on": ["type": "boolean"]], "required": ["on"],
        ]
        #expect(
            tools.contains(.function(FunctionTool(name: "lights", description: "Switch lights", parameters: schema))))
        let weather = try #require(settings.functions.last)
        #expect(weather.action == .program(ProgramAction(argv: ["/usr/local/bin/weather", "--short"])))
        #expect(weather.parameters == ConfiguredTool.emptyObjectSchema)
        let names = tools.compactMap { tool -> String? in
            if case .function(let function) = tool { function.name } else { nil }
        }
        #expect(names == BuiltInDeviceTool.allCases.map(\.rawValue) + ["lights", "weather"])
    }

    @Test("device tools off: only configured functions are offered and run")
    func deviceToolsOff() async throws {
        let settings = try decode(#"{"device_tools": false}"#)
        let device = FakeDevice()
        let registry = ToolRegistry(settings: settings, device: device)
        #expect(registry.sessionTools.isEmpty)
        #expect(!registry.handles("set_volume"))
        let result = await registry.call(name: "set_volume", arguments: #"{"percent": 10}"#)
        #expect(!result.succeeded)
        #expect(await device.snapshot.volumePercent == 50)
    }

    @Test(
        "a function named like a server-side tool is refused with the reason",
        arguments: ToolSettings.reservedNames.sorted()
    )
    func reservedNameRefused(name: String) throws {
        let json = #"{"functions": [{"name": "\#(name)", "program": {"argv": ["/bin/true"]}}]}"#
        let error = try #require(throws: DecodingError.self) { try decode(json) }
        guard case .dataCorrupted(let context) = error else {
            Issue.record("expected dataCorrupted, got \(error)")
            return
        }
        #expect(context.debugDescription.contains("'\(name)' is reserved"))
        #expect(context.debugDescription.contains("first response fail"))
    }

    @Test("invalid names, duplicates, a device tool's name, and bad actions are refused")
    func invalidFunctions() throws {
        let cases: [(String, String)] = [
            (#"{"functions": [{"name": "has space", "program": {"argv": ["/bin/true"]}}]}"#, "is not valid"),
            (#"{"functions": [{"name": "", "program": {"argv": ["/bin/true"]}}]}"#, "is not valid"),
            (
                #"{"functions": [{"name": "a", "program": {"argv": ["/bin/true"]}},"#
                    + #"{"name": "a", "program": {"argv": ["/bin/true"]}}]}"#,
                "used twice"
            ),
            (#"{"functions": [{"name": "mute", "program": {"argv": ["/bin/true"]}}]}"#, "built-in device tool"),
            (#"{"functions": [{"name": "a", "program": {"argv": ["true"]}}]}"#, "absolute path"),
            (#"{"functions": [{"name": "a", "program": {"argv": []}}]}"#, "argv is empty"),
            (#"{"functions": [{"name": "a"}]}"#, "needs a program: or an http_post:"),
            (
                #"{"functions": [{"name": "a", "program": {"argv": ["/bin/true"]}, "http_post": {"url": "http://x"}}]}"#,
                "keep one"
            ),
            (#"{"functions": [{"name": "a", "http_post": {"url": "ftp://x"}}]}"#, "must start with http"),
            (#"{"web_search": {"allowed_domains": ["a"], "excluded_domains": ["b"]}}"#, "not both"),
        ]
        for (json, expected) in cases {
            let error = try #require(throws: DecodingError.self) { try decode(json) }
            #expect("\(error)".contains(expected), "\(json) → \(error)")
        }
        // The same name is fine for a configured tool once the device tools are off.
        let settings = try decode(
            #"{"device_tools": false, "functions": [{"name": "mute", "program": {"argv": ["/bin/true"]}}]}"#)
        #expect(settings.functions.map(\.name) == ["mute"])
    }

    @Test("hostile arguments get an error output, not a crash")
    func hostileArguments() async throws {
        let registry = ToolRegistry(settings: ToolSettings(), device: FakeDevice())
        let huge = #"{"percent": ""# + String(repeating: "9", count: 200_000) + #""}"#
        for arguments in ["{not json", "[1,2,3]", "42", huge, #"{"percent": "loud"}"#, #"{"percent": 1e300}"#] {
            let result = await registry.call(name: "set_volume", arguments: arguments)
            #expect(!result.succeeded)
            let decoded = try JSONDecoder().decode([String: String].self, from: Data(result.output.utf8))
            #expect(decoded["error"]?.isEmpty == false)
        }
        let unknown = await registry.call(name: "launch_rocket", arguments: "{}")
        #expect(unknown.failure?.contains("no tool named launch_rocket") == true)
    }

    @Test("built-in device tools act on the device")
    func deviceTools() async throws {
        let device = FakeDevice()
        let zone = try #require(TimeZone(identifier: "Europe/Berlin"))
        let registry = ToolRegistry(
            settings: ToolSettings(), device: device, now: { Date(timeIntervalSince1970: 1_780_000_000) },
            timeZone: { LocalTimeZone(identifier: zone.identifier, secondsFromUTC: { zone.secondsFromGMT(for: $0) }) }
        )
        #expect(
            await registry.call(name: "set_volume", arguments: #"{"percent": 130}"#).output
                == #"{"volume_percent":100}"#)
        #expect(await device.snapshot.volumePercent == 100)
        _ = await registry.call(name: "change_volume", arguments: #"{"direction": "down"}"#)
        #expect(await device.snapshot.volumePercent == 100 - BuiltInDeviceTool.volumeStep)
        _ = await registry.call(name: "mute", arguments: "")
        #expect(await device.snapshot.muted)
        _ = await registry.call(name: "unmute", arguments: "{}")
        #expect(await !device.snapshot.muted)
        #expect(await registry.call(name: "set_voice", arguments: #"{"voice": "Rex"}"#).succeeded)
        #expect(await device.snapshot.voice == "rex")
        #expect(await !registry.call(name: "set_voice", arguments: #"{"voice": "hal9000"}"#).succeeded)
        let stop = await registry.call(name: "stop", arguments: "{}")
        #expect(stop.endsTheReply)
        #expect(await device.cancels == 1)
        let status = await registry.call(name: "device_status", arguments: "{}")
        let decoded = try JSONDecoder().decode(DeviceStatusSnapshot.self, from: Data(status.output.utf8))
        #expect(decoded == (await device.snapshot))
        let time = await registry.call(name: "local_time", arguments: "{}")
        // 1_780_000_000 is 2026-05-28T20:26:40Z, a Thursday; Berlin is two hours ahead in summer.
        #expect(time.output.contains(#""local_time":"2026-05-28T22:26:40+02:00""#))
        #expect(time.output.contains(#""weekday":"Thursday""#))
    }
}

/// A device whose state the built-in tools change.
actor FakeDevice: DeviceControl {
    var snapshot = DeviceStatusSnapshot(
        volumePercent: 50, muted: false, voice: "eve", state: "idle", connection: "ready")
    var cancels = 0

    func setVolume(percent: Int) { snapshot.volumePercent = percent }
    func setMuted(_ muted: Bool) { snapshot.muted = muted }
    func cancelReply() { cancels += 1 }
    func setVoice(_ voice: String) { snapshot.voice = voice }
    func deviceStatus() -> DeviceStatusSnapshot { snapshot }
}
