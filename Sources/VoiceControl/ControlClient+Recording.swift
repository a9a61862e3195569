/// What a recording left behind (`ControlClient.record`).
public struct RecordingResult: Sendable, Equatable {
    public var info: RecordingInfo
    /// The daemon's end line; nil when the recording was cut short (see `interruption`).
    public var summary: RecordingSummary?
    public var micPath: String
    public var playedPath: String
    /// Samples in each file.
    public var samplesWritten: Int
    /// Sample ranges that are silence because they were lost.
    public var lostRanges: [Range<Int>]
    /// Why the recording stopped before its end line, when it did (the files hold what arrived).
    public var interruption: ControlClientError?

    public var lostSamples: Int { lostRanges.reduce(0) { $0 + $1.count } }
}

/// Everything that can stop `ControlClient.record`.
public enum RecordingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Talking to the daemon failed before the recording started (refused, unreachable).
    case control(ControlClientError)
    /// The files could not be created or written.
    case file(RecordingFileError)

    public var description: String {
        switch self {
        case .control(let error): error.description
        case .file(let error): error.description
        }
    }
}

extension ControlClient {
    /// Records `seconds` through the daemon into `PREFIX-mic.wav` and `PREFIX-played.wav`, writing
    /// each chunk as it arrives (what `voicectl record` does).
    ///
    /// The files are checked before the daemon is asked and created once it has accepted, so a
    /// refusal (muted, busy) leaves nothing behind. When the connection breaks or no chunk arrives for
    /// `timeout` after the start, the files keep what arrived and the result says why it stopped.
    /// - Parameter chunkTimeout: how long to wait for each chunk (default: the client's `timeout`).
    /// - Parameter started: called once the daemon accepted, before the first chunk.
    /// - Parameter progress: called after each chunk with the samples written so far.
    public func record(
        seconds: Int,
        prefix: String,
        overwrite: Bool,
        chunkTimeout: Duration? = nil,
        started: (RecordingInfo) -> Void = { _ in },
        progress: (Int) -> Void = { _ in }
    ) throws(RecordingError) -> RecordingResult {
        do {
            try RecordingWriter.checkWritable(prefix: prefix, overwrite: overwrite)
        } catch {
            throw .file(error)
        }
        let answer: ControlResult
        do {
            answer = try send(.record(seconds: seconds))
        } catch {
            throw .control(error)
        }
        guard case .recording(let info) = answer else {
            throw .control(.broken("the daemon answered record with something else: \(answer)"))
        }
        let writer: RecordingWriter
        do {
            writer = try RecordingWriter(prefix: prefix, sampleRate: info.sampleRate, overwrite: overwrite)
        } catch {
            // Nothing can take the audio: end the recording in the daemon now, not when this client goes.
            finishSending()
            throw .file(error)
        }
        started(info)
        var result = RecordingResult(
            info: info, summary: nil, micPath: writer.micPath, playedPath: writer.playedPath, samplesWritten: 0,
            lostRanges: [], interruption: nil
        )
        defer { writer.closeFiles() }
        do {
            loop: while true {
                let wait = chunkTimeout ?? timeout
                guard let message = try nextRecordingMessage(timeout: wait) else {
                    throw ControlClientError.timedOut("no audio from voiced for \(wait); is its audio device working?")
                }
                switch message {
                case .chunk(_, let block):
                    do {
                        try writer.append(block)
                    } catch {
                        throw RecordingError.file(error)
                    }
                    progress(writer.samplesWritten)
                case .end(_, let summary):
                    do {
                        try writer.finish(totalSamples: summary.samples)
                    } catch {
                        throw RecordingError.file(error)
                    }
                    result.summary = summary
                    break loop
                }
            }
        } catch let error as ControlClientError {
            // Over for this client: the daemon must not go on recording for nobody.
            finishSending()
            result.interruption = error
        } catch let error as RecordingError {
            finishSending()
            throw error
        } catch {
            finishSending()
            throw .file(RecordingFileError("\(error)"))
        }
        result.samplesWritten = writer.samplesWritten
        result.lostRanges = writer.lostRanges
        return result
    }
}
