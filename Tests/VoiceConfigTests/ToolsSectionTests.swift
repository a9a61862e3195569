import Foundation
import Testing
import VoiceCore

@testable import VoiceConfig

@Suite struct ToolsSectionTests {
    @Test func toolsSectionReadsFunctionsWithFreeFormSchemas() throws {
        let yaml = """
            tools:
              device_tools: false
              web_search:
                enabled: true
                excluded_domains: [example.com]
              functions:
                - name: lights
                  description: Switch a light
                  parameters:
                    type: object
                    properties:
                      room: {type: string, enum: [kitchen, hall]}
                    required: [room]
                  http_post:
                    url: https://ha.local:8123/api/webhook/lights
                    headers: {Authorization: Bearer x}
                - name: weather
                  parameters: {"type": "object", "properties": {"days": {"type": "integer"}}}
                  program:
                    argv: [/usr/local/bin/weather, --days]
                    timeout_ms: 2000
            """
        let loaded = try ConfigurationLoader.parse(yaml: yaml, sourcePath: "x.yaml")
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        let tools = loaded.configuration.tools
        #expect(!tools.deviceTools)
        #expect(tools.webSearch.enabled && tools.webSearch.excludedDomains == ["example.com"])
        #expect(tools.functions.map(\.name) == ["lights", "weather"])
        let room: FreeFormValue = .object([
            "type": .string("string"), "enum": .array([.string("kitchen"), .string("hall")]),
        ])
        #expect(
            tools.functions[0].parameters
                == .object([
                    "type": .string("object"), "properties": .object(["room": room]),
                    "required": .array([.string("room")]),
                ]))
        #expect(
            tools.functions[1].action
                == .program(ProgramAction(argv: ["/usr/local/bin/weather", "--days"], timeoutMs: 2000)))
    }

    @Test func aFunctionNamedLikeAServerSideToolIsRefusedAtLoad() {
        let yaml = "tools:\n  functions:\n    - name: web_search\n      program: {argv: [/bin/true]}\n"
        #expect {
            try ConfigurationLoader.parse(yaml: yaml, sourcePath: "x.yaml")
        } throws: { error in
            let text = (error as? ConfigurationError)?.description ?? ""
            return text.contains("x.yaml") && text.contains("'web_search' is reserved")
        }
    }

    @Test func unknownKeysInToolSettingsAreNamed() throws {
        let loaded = try ConfigurationLoader.parse(
            yaml: "tools:\n  web_search:\n    enabeld: true\n", sourcePath: "x.yaml")
        #expect(loaded.warnings.contains { $0.contains("'tools.web_search.enabeld'") })
    }
}
