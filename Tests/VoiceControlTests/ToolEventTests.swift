import Foundation
import Testing
import VoiceControl

@Suite struct ToolEventTests {
    @Test func toolEventsRoundTripAndBelongToTheToolKind() throws {
        let failed = ControlEvent.tool(
            ToolCallEvent(
                name: "lights", callID: "call_2", status: .error, durationMilliseconds: 300, error: "timed out")
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let line = String(decoding: try encoder.encode(failed), as: UTF8.self)
        #expect(
            line
                == #"{"call_id":"call_2","duration_ms":300,"error":"timed out","event":"tool","name":"lights","status":"error"}"#
        )
        #expect(try JSONDecoder().decode(ControlEvent.self, from: Data(line.utf8)) == failed)
        let ok = ControlEvent.tool(ToolCallEvent(name: "mute", callID: "call_1", status: .ok, durationMilliseconds: 2))
        #expect(!String(decoding: try encoder.encode(ok), as: UTF8.self).contains("error"))
        #expect(ok.kind == .tool)
        #expect(ControlEventKind(rawValue: "tool") == .tool)
    }
}
