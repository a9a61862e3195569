import Logging
import ServiceLifecycle
import VoiceALSA
import VoiceCore
import VoiceRealtime
import VoiceSystemd

/// Feeds the coordinator: the session's events, and the audio tick that drains the capture ring.
/// Also refreshes the engine's and the session's counters in status, and systemd's STATUS= line.
struct CoordinatorService: Service {
    let coordinator: DaemonCoordinator
    let session: RealtimeSession
    let engine: ALSAAudioEngine
    let status: StatusBox
    let notifier: SystemdNotifier?
    /// Runs the model's function calls (issue 8); sees every session event before the coordinator.
    var tools: ToolDispatcher?

    func run() async throws {
        // Nothing here needs draining: on SIGTERM the loops simply stop.
        await cancelWhenGracefulShutdown { await runLoops() }
    }

    private func runLoops() async {
        let start = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in session.events {
                    await tools?.handle(event)
                    for translated in SessionEventTranslator.translate(event) {
                        await coordinator.handle(translated)
                    }
                }
            }
            // On the session's event loop: a chunk handed to the session then resumes the session's loop on
            // the thread already running, not on another pool worker (see `EventLoopTaskExecutor`). The
            // event task (tools may block) stays on the pool.
            group.addTask(executorPreference: session.taskExecutor) {
                await audioLoop(coordinator: coordinator, start: start)
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// The coordinator says when it wants to run again (`nextWake`): per captured chunk while a turn is
    /// spoken (and at the frame that would end it), per captured period while a reply can be interrupted,
    /// and once a second when idle. The capture thread wakes this loop the moment the audio is there, so
    /// nothing here polls.
    ///
    /// Isolated to the coordinator: the tick and the wait's arming run on its executor without leaving it, so a
    /// chunk costs the loop the wake's resumption and one hop onto the actor, not a hop into the actor and one
    /// back out per tick besides (BENCHMARKS.md, eighth pass).
    private func audioLoop(coordinator: isolated DaemonCoordinator, start: ContinuousClock.Instant) async {
        var lastState: VoiceState?
        var lastConnection: ConnectionState?
        var lastRefresh: ContinuousClock.Instant?
        while !Task.isCancelled {
            let wake = coordinator.audioTick()
            let now = ContinuousClock.now
            // Counters and systemd's STATUS= line: at a state change, else once a second.
            if wake.state != lastState || lastRefresh.map({ $0.duration(to: now) >= .seconds(1) }) ?? true {
                lastRefresh = now
                refreshCounters(uptime: start.duration(to: now))
                let snapshot = status.snapshot()
                if snapshot.state != lastState || snapshot.connection.state != lastConnection {
                    lastState = snapshot.state
                    lastConnection = snapshot.connection.state
                    notifier?.status("\(snapshot.state.rawValue); realtime \(snapshot.connection.state.rawValue)")
                }
            }
            await engine.waitForCapture(samples: wake.captureSamples, timeout: wake.timeout, isolation: coordinator)
        }
    }

    private func refreshCounters(uptime: Duration) {
        let audio = engine.statistics()
        let sessionStatistics = session.statistics()
        status.update {
            $0.uptimeSeconds = Double(uptime.components.seconds) + Double(uptime.components.attoseconds) / 1e18
            $0.audio.state = audio.state
            $0.audio.lastError = audio.lastError
            $0.audio.captureRate = audio.captureRate
            $0.audio.playbackRate = audio.playbackRate
            $0.counters.captureXruns = audio.captureXruns
            $0.counters.playbackXruns = audio.playbackXruns
            $0.counters.playbackUnderruns = audio.playbackUnderruns
            $0.counters.captureDroppedSamples = audio.captureDroppedSamples
            $0.counters.unknownServerEvents = sessionStatistics.unknownServerEvents
            $0.counters.reconnects = sessionStatistics.reconnects
        }
    }
}
