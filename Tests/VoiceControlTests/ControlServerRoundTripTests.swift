import Foundation
import Synchronization
import Testing
import VoiceControl
import VoiceControlServer
import VoiceCore
import VoiceTestSupport

/// Every command, over a real Unix socket, through the real server, to the fake daemon and back.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ControlServerRoundTripTests {
    /// Every handler command (subscribe/unsubscribe are the server's own, tested below).
    static let handlerCommands: [ControlCommand] = [
        .status, .getVoice, .setVoice("ara"), .getVoice, .mute, .unmute, .getVolume, .setVolume(55), .volumeUp,
        .volumeDown, .press(hold: false), .press(hold: true), .release, .cancel, .say("what time is it?"),
        .devices, .reconnect, .reload, .version, .doctor, .status,
    ]

    @Test func everyCommandRoundTrips() async throws {
        try await withControlServer { server in
            let reference = FakeControlHandler()
            var expected: [ControlReply] = []
            for command in Self.handlerCommands { expected.append(await reference.handle(command)) }

            let replies = try await server.withClient { client in
                try Self.handlerCommands.map { try client.response(to: $0).reply }
            }
            #expect(replies == expected)
            #expect(server.handler.receivedCommands == Self.handlerCommands)
            // The commands had their effect on the daemon side.
            #expect(server.handler.status.voice == "ara")
            #expect(server.handler.status.volumePercent == 55)
        }
    }

    @Test func helloStatesProtocolAndDaemonVersion() async throws {
        try await withControlServer { server in
            let hello = try await server.withClient { $0.hello }
            #expect(hello.hello == "voiced")
            #expect(hello.protocolVersion == ControlProtocol.version)
            #expect(hello.daemonVersion == "9.9.9-test")
        }
    }

    @Test func errorsFromTheHandlerKeepTheirCodeAndMessage() async throws {
        try await withControlServer { server in
            server.handler.override("reconnect", with: .failure(ControlError(.unavailable, "no API key configured")))
            let response = try await server.withClient { try $0.response(to: .reconnect) }
            #expect(response.reply == .failure(ControlError(.unavailable, "no API key configured")))
            #expect(response.id == .integer(1))
        }
    }

    /// The daemon publishes level events only while a client wants them (issue 9): the server tells
    /// it what its subscribers want whenever that changes.
    @Test func subscriptionChangesAreReportedWithTheKindsWanted() async throws {
        let reports = Mutex<[Set<ControlEventKind>]>([])
        try await withControlServer(onSubscriptionsChanged: { wanted in reports.withLock { $0.append(wanted) } }) {
            server in
            try await server.withClient { client in
                _ = try client.send(.subscribe([.state, .level]))
                _ = try client.send(.subscribe([.state]))
                _ = try client.send(.unsubscribe)
            }
        }
        #expect(reports.withLock { $0 } == [[.state, .level], [.state], []])
    }

    @Test func subscribeDeliversTheKindsAskedForAndUnsubscribeStopsThem() async throws {
        try await withControlServer { server in
            let handler = server.handler
            let received = try await server.withClient { client -> [ControlEvent] in
                let subscribed = try client.send(.subscribe([.state, .level]))
                #expect(subscribed == .subscription(SubscriptionInfo(events: [.level, .state])))
                handler.emit(.transcript(TranscriptEvent(role: .user, text: "not wanted", isFinal: true)))
                handler.emit(.state(.listening))
                handler.emit(.level(micDBFS: -30))
                var events: [ControlEvent] = []
                while events.count < 2, let event = try client.nextEvent(timeout: mustHappenWithin) {
                    events.append(event)
                }
                #expect(try client.send(.unsubscribe) == .subscription(SubscriptionInfo(events: [])))
                handler.emit(.state(.idle))
                // A status round trip after the emit: any event sent before its answer would be queued.
                _ = try client.send(.status)
                #expect(try client.nextEvent(timeout: .milliseconds(200)) == nil)
                return events
            }
            #expect(received == [.state(.listening), .level(micDBFS: -30)])
        }
    }

    @Test func stringIDsAreEchoedAndRequestsWithoutIDGetNull() async throws {
        try await withControlServer { server in
            let lines = try await server.withClient { client -> [String] in
                try client.sendRaw(Data("{\"id\":\"abc\",\"command\":\"volume.get\"}\n{\"command\":\"mute\"}\n".utf8))
                return try (0..<2).map { _ in
                    String(decoding: try #require(try client.readRawLine(timeout: mustHappenWithin)), as: UTF8.self)
                }
            }
            #expect(lines[0] == "{\"id\":\"abc\",\"result\":{\"volume_percent\":80}}")
            #expect(lines[1] == "{\"id\":null,\"result\":{\"muted\":true}}")
        }
    }

    @Test func socketFileHasTheConfiguredMode() async throws {
        try await withControlServer(configure: { $0.socketMode = "0660" }) { server in
            var info = stat()
            #expect(lstat(server.path, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o660)
            #expect(info.st_mode & S_IFMT == S_IFSOCK)
        }
    }
}
