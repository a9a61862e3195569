#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals
import VoiceALSA
import VoiceConfig
import VoiceControl
import VoiceControlServer
import VoiceCore
import VoiceDSP
import VoiceGPIO
import VoiceRealtime
import VoiceSystemd
import VoiceTools

/// A reason `voiced` cannot start, said in one line.
public struct StartupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Builds the daemon from its configuration and runs it until SIGTERM/SIGINT.
public enum DaemonRunner {
    public static let version = "0.1.0"

    /// Everything `run` needs that differs between production and tests.
    public struct Options: Sendable {
        public var configPath: String?
        public var environment: [String: String]
        /// Installs the console log handler (once per process); tests pass false and use `logger`.
        public var bootstrapLogging: Bool
        public var logger: Logger?
        /// Called once the daemon is ready (audio open, control socket listening).
        public var onReady: (@Sendable (DaemonHandle) -> Void)?
        /// What the session asks about the wall clock when the server's certificate fails verification.
        public var clockProbe: any SystemClockProbe

        public init(
            configPath: String? = nil,
            environment: [String: String] = ProcessInfo.processInfo.environment,
            bootstrapLogging: Bool = true,
            logger: Logger? = nil,
            onReady: (@Sendable (DaemonHandle) -> Void)? = nil,
            clockProbe: any SystemClockProbe = LiveSystemClock()
        ) {
            self.configPath = configPath
            self.environment = environment
            self.bootstrapLogging = bootstrapLogging
            self.logger = logger
            self.onReady = onReady
            self.clockProbe = clockProbe
        }
    }

    /// What a caller (a test) can reach in a running daemon.
    public struct DaemonHandle: Sendable {
        public let coordinator: DaemonCoordinator
        public let status: StatusBox
        public let controlSocketPath: String
    }

    /// Loads and checks the configuration, and finds the key: everything that can fail before any
    /// device is opened.
    /// Loads the configuration and checks every section.
    public static func loadAndValidate(_ options: Options) throws -> LoadedConfiguration {
        let loaded: LoadedConfiguration
        do {
            loaded = try ConfigurationLoader.load(explicitPath: options.configPath, environment: options.environment)
        } catch {
            throw StartupError(error.description)
        }
        let configuration = loaded.configuration
        var problems = configuration.audio.validationProblems()
        problems += configuration.tools.validationProblems()
        problems += configuration.listening.validationProblems()
        problems += configuration.button.enabled ? configuration.button.problems() : []
        if VoiceCatalog.canonical(configuration.realtime.voice) == nil {
            problems.append(
                "realtime.voice: unknown voice '\(configuration.realtime.voice)'; valid voices: \(VoiceCatalog.all.joined(separator: ", "))"
            )
        }
        if configuration.realtime.inputAudio.rate != configuration.realtime.outputAudio.rate
            || configuration.realtime.inputAudio.encoding != configuration.realtime.outputAudio.encoding
        {
            problems.append(
                "realtime: input and output audio formats must be the same (the audio pipeline runs at one rate)")
        }
        if !problems.isEmpty {
            let source = loaded.sourcePath ?? "the configuration"
            throw StartupError("invalid settings in \(source): " + problems.joined(separator: "; "))
        }
        return loaded
    }

    public static func prepare(_ options: Options) throws -> (LoadedConfiguration, APIKeyLocator.Found) {
        let loaded = try loadAndValidate(options)
        let configuration = loaded.configuration
        guard let key = APIKeyLocator.locate(keyFile: configuration.daemon.apiKeyFile, environment: options.environment)
        else {
            throw StartupError(APIKeyLocator.missingKeyAdvice(keyFile: configuration.daemon.apiKeyFile))
        }
        return (loaded, key)
    }

    /// `voiced check-config`: what a person needs to know about the configuration.
    public static func checkConfiguration(configPath: String?) throws -> String {
        let loaded = try loadAndValidate(.init(configPath: configPath, bootstrapLogging: false))
        let keyFile = loaded.configuration.daemon.apiKeyFile
        let key =
            APIKeyLocator.locate(keyFile: keyFile).map { "found (\($0.source))" }
            ?? APIKeyLocator.missingKeyAdvice(keyFile: keyFile)
        var lines = ["configuration: \(loaded.sourcePath ?? "built-in defaults") is valid", "API key: \(key)"]
        lines += loaded.warnings.map { "warning: \($0)" }
        return lines.joined(separator: "\n")
    }

    /// Runs the daemon. Returns when it has shut down; throws a `StartupError` if it cannot start.
    public static func run(_ options: Options) async throws {
        let (loaded, key) = try prepare(options)
        var configuration = loaded.configuration
        ConsoleLogHandler.secrets.redact(key.key)
        if options.bootstrapLogging {
            let level = Logger.Level(rawValue: configuration.daemon.logLevel.lowercased()) ?? .info
            LoggingSystem.bootstrap { ConsoleLogHandler(label: $0, level: level) }
        }
        let logger = options.logger ?? Logger(label: "voiced")
        for warning in loaded.warnings { logger.warning("\(warning)") }
        logger.info("configuration: \(loaded.sourcePath ?? "built-in defaults"); key from \(key.source)")

        // Settings changed from the socket win over the file.
        let stateFile = StateFileStore(path: configuration.control.stateFile)
        var persisted: PersistedSettings?
        if FileManager.default.fileExists(atPath: stateFile.path) {
            let (settings, warnings) = stateFile.load()
            for warning in warnings { logger.warning("\(warning)") }
            persisted = warnings.isEmpty ? settings : nil
        }
        if let persisted {
            configuration.realtime.voice = VoiceCatalog.canonical(persisted.voice) ?? configuration.realtime.voice
        }
        // One switch decides who ends a turn; the session's turn detection follows it.
        switch configuration.conversation.turnEnding {
        case .local: configuration.realtime.turnDetection.mode = .manual
        case .server: configuration.realtime.turnDetection.mode = .serverVAD
        }
        configuration.audio.sessionRate = configuration.realtime.outputAudio.effectiveRate

        let status = StatusBox()
        status.update {
            $0.version = version
            $0.voice = configuration.realtime.voice
            $0.audio.captureDevice = configuration.audio.captureDevice
            $0.audio.playbackDevice = configuration.audio.playbackDevice
            $0.audio.sessionRate = configuration.audio.sessionRate
            $0.connection.endpoint = configuration.realtime.url
            $0.connection.model = configuration.realtime.model
            $0.button.state = configuration.button.enabled ? "starting" : "disabled"
        }

        var coordinatorSettings = DaemonCoordinator.Settings(
            conversation: configuration.conversation, voice: configuration.realtime.voice
        )
        // One chunk length end to end: the audio loop wakes once per chunk, the capture thread reads it in one
        // batch, and the session sends it as one message. Longer chunks cost fewer wake-ups and socket writes
        // (BENCHMARKS.md, issue 9); the frame that would end a turn is still looked at when it arrives.
        coordinatorSettings.chunkMilliseconds = configuration.realtime.chunkMilliseconds
        coordinatorSettings.recordingQueueBlocks = max(1, 3000 / coordinatorSettings.chunkMilliseconds)
        coordinatorSettings.serviceTurnSilenceMilliseconds = configuration.realtime.turnDetection.silenceDurationMs
        // Reply audio waits in the coordinator's backlog, which tops the ring up every tick, so the ring
        // only bridges ticks; the engine's 60 s default ring would keep 4 MB resident for nothing.
        // While idle (no turn, nothing playing) the engine pauses the microphone and stops the speaker,
        // so the idle daemon's audio threads sleep (issue 9; BENCHMARKS.md).
        let engine = ALSAAudioEngine(
            settings: configuration.audio, playbackRingSeconds: coordinatorSettings.playbackRingSeconds,
            quiesceWhenIdle: true, captureBatchMilliseconds: coordinatorSettings.chunkMilliseconds
        )
        do {
            try engine.start()
        } catch {
            throw StartupError("\(error)")
        }
        defer { engine.stop() }
        let statistics = engine.statistics()
        status.update {
            $0.audio.state = statistics.state
            $0.audio.captureRate = statistics.captureRate
            $0.audio.playbackRate = statistics.playbackRate
        }

        let session = RealtimeSession(
            settings: configuration.realtime,
            apiKey: key.key,
            tools: ToolRegistry.sessionTools(for: configuration.tools),
            clockProbe: options.clockProbe,
            logger: Logger(label: "voiced.realtime")
        )
        let hub = EventHub<ControlEvent>()
        let start = ContinuousClock.now
        let coordinator = DaemonCoordinator(
            settings: coordinatorSettings,
            engine: engine,
            link: session,
            detector: ListeningSpeechDetector(
                sampleRate: configuration.audio.sessionRate, settings: configuration.listening),
            status: status,
            events: hub,
            now: { start.duration(to: .now) },
            renderEarcon: { earcon, rate in EarconSynthesizer.samples(for: earcon, sampleRate: rate) },
            logger: Logger(label: "voiced.conversation")
        )
        // Nobody subscribed yet: no level events until a client asks for them.
        coordinator.levelEventsWanted.store(false, ordering: .relaxed)
        if let persisted {
            await coordinator.setVolume(percent: persisted.volumePercent)
            await coordinator.setMuted(persisted.muted)
        }

        // systemd is told about this daemon only when the environment it was given names a notify
        // socket: libsystemd reads the process environment, which an in-process test shares with
        // other tests.
        let notifier: SystemdNotifier? = options.environment["NOTIFY_SOCKET"] == nil ? nil : SystemdNotifier()
        let effectiveConfiguration = configuration
        let planner = Mutex(ConfigurationReloadPlanner(atStart: loaded.configuration))
        let sessionRate = configuration.audio.sessionRate
        let reload: @Sendable () async -> Result<ConfigurationReload, ControlError> = {
            // Re-read and check the file; the voice (set by the handler) and the listening keys apply live, the
            // rest at the next restart, and the answer says which.
            do {
                let reloaded = try loadAndValidate(options)
                for warning in reloaded.warnings { logger.warning("\(warning)") }
                let plan = planner.withLock { $0.plan(for: reloaded.configuration) }
                if let listening = plan.listening {
                    await coordinator.replaceSpeechDetector(
                        ListeningSpeechDetector(sampleRate: sessionRate, settings: listening))
                }
                return .success(
                    ConfigurationReload(
                        message: ConfigurationReloadPlanner.message(for: plan, source: reloaded.sourcePath),
                        voice: plan.voice))
            } catch {
                return .failure(ControlError(.invalidArgument, "the configuration was not reloaded: \(error)"))
            }
        }
        let handler = DaemonControlHandler(
            coordinator: coordinator,
            status: status,
            events: hub,
            environment: .init(
                version: version,
                persist: { settings in
                    do {
                        try stateFile.save(settings)
                    } catch {
                        logger.error("cannot save voice/volume/mute: \(error); they will be lost at restart")
                    }
                },
                devices: { DeviceListing.current() },
                doctor: { Doctor.report(configuration: effectiveConfiguration, status: status.snapshot()) },
                reload: reload
            )
        )
        let tools = ToolDispatcher(
            settings: configuration.tools, session: session, handler: handler, coordinator: coordinator, events: hub,
            logger: Logger(label: "voiced.tools")
        )
        let socketPath =
            options.environment["VOICED_SOCKET"].flatMap { $0.isEmpty ? nil : $0 } ?? configuration.control.socketPath
        var controlSettings = configuration.control
        controlSettings.socketPath = socketPath
        let handle = DaemonHandle(coordinator: coordinator, status: status, controlSocketPath: socketPath)
        let control = ControlServer(
            configuration: .init(
                settings: controlSettings,
                daemonVersion: version,
                onListening: { path in
                    logger.info("control socket listening at \(path)")
                    notifier?.ready(status: "listening for a press")
                    options.onReady?(handle)
                },
                onSubscriptionsChanged: { wanted in
                    coordinator.levelEventsWanted.store(wanted.contains(.level), ordering: .relaxed)
                }
            ),
            handler: handler,
            logger: Logger(label: "voiced.control")
        )

        var services: [any Service] = [
            session,
            control,
            CoordinatorService(
                coordinator: coordinator, session: session, engine: engine, status: status, notifier: notifier,
                tools: tools
            ),
        ]
        if options.environment["VOICED_TRIM_CODE"] != "0" {
            let faultChunk = StartupCodeTrimmer.faultChunkBytes(
                environment: options.environment["VOICED_FAULT_CHUNK_KB"])
            services.append(
                StartupCodeTrimService(
                    faultChunkBytes: faultChunk, conversationEvents: hub.subscribe(), logger: logger))
        }
        if configuration.button.enabled {
            do {
                let line = try LibgpiodLineProvider().openButton(configuration.button, consumer: "voiced")
                services.append(
                    ButtonDriver(
                        line: line, settings: configuration.button, coordinator: coordinator, control: handler,
                        status: status))
                status.update { $0.button.state = "ready" }
            } catch {
                // The daemon stays useful without its button: `voicectl press` still works.
                logger.error("button unavailable: \(error)")
                status.update {
                    $0.button.state = "unavailable"
                    $0.button.reason = "\(error)"
                }
            }
        }
        if let notifier, let interval = notifier.watchdogInterval {
            let watchdog = WatchdogService(notifier: notifier, interval: interval, clock: ContinuousClock())
            watchdog.register(WatchdogProbe(name: "audio") { engine.counters().capture.transfers })
            watchdog.register(
                WatchdogProbe(name: "conversation") {
                    status.snapshot().uptimeSeconds > 0 ? Int(status.snapshot().uptimeSeconds * 10) : nil
                })
            services.append(WatchdogRunner(watchdog: watchdog))
        }

        // Trapped before the group starts (and so before READY): from then on a SIGHUP reloads instead of ending us.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        services.append(
            HangupReloader(
                hangups: hangups,
                reload: {
                    switch await handler.handle(.reload) {
                    case .success(.done(let done)): .success(done.message)
                    case .success(let other): .success("\(other)")
                    case .failure(let error): .failure(error)
                    }
                }, logger: logger))

        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        do {
            try await group.run()
        } catch {
            logger.error("stopped: \(error)")
        }
        notifier?.stopping(status: "shutting down")
        engine.stop()
        logger.info("stopped")
    }
}
