import Foundation
import Testing
import VoiceControl
import VoiceCore

/// The `record` request, its answer, and the chunk and end lines that follow it.
@Suite struct RecordingWireTests {
    func decodeRequest(_ text: String) -> Result<ControlRequest, ControlRequestFailure> {
        ControlRequestDecoder.decode(line: Array(text.utf8))
    }

    @Test func theRequestRoundTrips() throws {
        let request = ControlRequest(id: .integer(4), command: .record(seconds: 12))
        let line = request.encodedLine()
        let text = String(decoding: line, as: UTF8.self)
        #expect(text.contains("\"seconds\":12"))
        #expect(text.contains("\"command\":\"record\""))
        let decoded = try decodeRequest(String(text.dropLast())).get()
        #expect(decoded == request)
        #expect(ControlCommand.allNames.contains("record"))
    }

    @Test(arguments: [
        (#"{"command":"record","args":{"seconds":0}}"#, "from 1 to 300, got 0"),
        (#"{"command":"record","args":{"seconds":301}}"#, "from 1 to 300, got 301"),
        (#"{"command":"record","args":{"seconds":"ten"}}"#, "args.seconds must be whole seconds"),
        (#"{"command":"record"}"#, "record needs args.seconds"),
        (#"{"command":"record","args":{"seconds":5,"path":"/tmp/x"}}"#, "unknown argument \"path\""),
    ])
    func badRequestsAreRefusedSayingWhy(line: String, message: String) {
        guard case .failure(let failure) = decodeRequest(line) else {
            Issue.record("\(line) was accepted")
            return
        }
        #expect(failure.error.code == .invalidArgument)
        #expect(failure.error.message.contains(message), "\(failure.error.message)")
    }

    @Test func theAnswerDecodesAsTheRecordingInfo() throws {
        let info = RecordingInfo(sampleRate: 24_000, seconds: 3, blockSamples: 2_400)
        #expect(info.samples == 72_000)
        let line = ControlWire.responseLine(id: .integer(2), reply: .success(.recording(info)))
        #expect(String(decoding: line, as: UTF8.self).contains("\"sample_rate\":24000"))
        let message = try ControlWire.decodeServerLine(line.dropLast(), answering: .record(seconds: 3))
        #expect(message == .response(ControlResponse(id: .integer(2), reply: .success(.recording(info)))))
    }

    @Test func chunkAndEndLinesRoundTrip() throws {
        let mic: [Int16] = [0, 1, -1, .max, .min, 12_345, -12_345, 256]
        let played: [Int16] = [7, -7, 0, 0, 300, -300, .min, .max]
        let chunk = RecordingMessage.chunk(id: .integer(9), RecordingBlock(start: 4_800, mic: mic, played: played))
        let chunkLine = ControlWire.recordingLine(chunk)
        let text = String(decoding: chunkLine, as: UTF8.self)
        #expect(text.hasPrefix("{") && text.hasSuffix("}\n"))
        #expect(text.contains("\"recording\":\"chunk\""))
        #expect(try ControlWire.decodeServerLine(chunkLine.dropLast(), answering: nil) == .recording(chunk))

        let end = RecordingMessage.end(
            id: .string("r"), RecordingSummary(samples: 48_000, lostSamples: 2_400, mutedSamples: 0, reason: .complete))
        let endLine = ControlWire.recordingLine(end)
        #expect(String(decoding: endLine, as: UTF8.self).contains("\"lost_samples\":2400"))
        #expect(try ControlWire.decodeServerLine(endLine.dropLast(), answering: nil) == .recording(end))
    }

    @Test func samplesAreLittleEndianPCM16InBase64() throws {
        let chunk = RecordingMessage.chunk(id: nil, RecordingBlock(start: 0, mic: [0x0102], played: [-2]))
        let object = try JSONSerialization.jsonObject(with: ControlWire.recordingLine(chunk)) as? [String: Any]
        #expect(object?["mic"] as? String == Data([0x02, 0x01]).base64EncodedString())
        #expect(object?["played"] as? String == Data([0xFE, 0xFF]).base64EncodedString())
        #expect(object?["samples"] as? Int == 1)
    }

    @Test(arguments: [
        (#"{"recording":"chunk","start":0,"samples":1,"mic":"!!","played":"AAA="}"#, "mic is not valid base64"),
        (#"{"recording":"chunk","start":0,"samples":2,"mic":"AAA=","played":"AAA="}"#, "2 samples need 4"),
        (#"{"recording":"chunk","start":-1,"samples":1,"mic":"AAA=","played":"AAA="}"#, "start >= 0"),
        (#"{"recording":"chunk","start":0,"samples":1,"mic":"AAA="}"#, "missing \"played\""),
        (#"{"recording":"middle","start":0}"#, "unknown recording line \"middle\""),
        (#"{"recording":"end","samples":-5,"lost_samples":0,"muted_samples":0,"reason":"complete"}"#, "negative"),
        (#"{"recording":"end","samples":5,"lost_samples":0,"muted_samples":0,"reason":"bored"}"#, "RecordingEndReason"),
    ])
    func malformedRecordingLinesAreRejectedSayingWhy(line: String, expected: String) {
        #expect {
            _ = try ControlWire.decodeServerLine(Data(line.utf8), answering: nil)
        } throws: { error in
            let description = ControlWire.describe(error)
            let matches = description.contains(expected) || "\(error)".contains(expected)
            if !matches { Issue.record("\(description) does not mention \(expected)") }
            return matches
        }
    }
}
