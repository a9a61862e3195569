import Synchronization
import VoiceCore

/// A button line the test presses by hand.
public final class FakeButtonLine: GPIOButtonLine {
    private struct State {
        var closed = false
        var failure: String?
    }

    public let description: String
    public let hasKernelDebounce: Bool
    public let initiallyActive: Bool
    public let edges: AsyncStream<GPIOEdge>
    private let sink: AsyncStream<GPIOEdge>.Continuation
    private let state = Mutex(State())

    public init(
        description: String = "fake gpiochip0 line 17",
        hasKernelDebounce: Bool = true,
        initiallyActive: Bool = false
    ) {
        self.description = description
        self.hasKernelDebounce = hasKernelDebounce
        self.initiallyActive = initiallyActive
        (edges, sink) = AsyncStream.makeStream(of: GPIOEdge.self)
    }

    public func press() { sink.yield(GPIOEdge(isActive: true)) }
    public func release() { sink.yield(GPIOEdge(isActive: false)) }
    public func edge(_ isActive: Bool) { sink.yield(GPIOEdge(isActive: isActive)) }

    /// Ends the edge stream as a vanished device would.
    public func fail(_ reason: String) {
        state.withLock { $0.failure = reason }
        sink.finish()
    }

    public var failure: String? { state.withLock { $0.failure } }
    public var isClosed: Bool { state.withLock { $0.closed } }

    public func close() {
        state.withLock { $0.closed = true }
        sink.finish()
    }
}

/// An output line that records every level it is driven to.
public final class FakeOutputLine: GPIOOutputLine {
    public struct WriteError: Error, CustomStringConvertible {
        public let description: String
    }

    private struct State {
        var levels: [Bool] = []
        var closed = false
        var failWrites: String?
    }

    public let description: String
    private let state = Mutex(State())
    private let changes: AsyncStream<Bool>.Continuation
    /// Every level written, in order (for tests that wait for the next write).
    public let writes: AsyncStream<Bool>

    public init(description: String = "fake gpiochip0 line 25") {
        self.description = description
        (writes, changes) = AsyncStream.makeStream(of: Bool.self)
    }

    public func setActive(_ active: Bool) throws {
        if let message = state.withLock({ $0.failWrites }) { throw WriteError(description: message) }
        state.withLock { $0.levels.append(active) }
        changes.yield(active)
    }

    /// Makes every later write throw `message` (nil: writes work again).
    public func failWrites(_ message: String?) { state.withLock { $0.failWrites = message } }

    public var levels: [Bool] { state.withLock { $0.levels } }
    public var isActive: Bool { state.withLock { $0.levels.last ?? false } }
    public var isClosed: Bool { state.withLock { $0.closed } }

    public func close() {
        state.withLock { $0.closed = true }
        changes.finish()
    }
}

/// Hands out fake lines, or fails the way libgpiod would, with a person-readable message.
public final class FakeGPIOProvider: GPIOLineProvider {
    public struct OpenError: Error, CustomStringConvertible {
        public let description: String
    }

    private struct State {
        var buttonFailure: String?
        var outputFailure: String?
        var buttons: [FakeButtonLine] = []
        var outputs: [FakeOutputLine] = []
    }

    private let state = Mutex(State())

    /// - Parameters:
    ///   - buttonFailure: when set, `openButton` throws this text (e.g. "line 17 is busy").
    ///   - outputFailure: when set, `openOutput` throws this text.
    public init(buttonFailure: String? = nil, outputFailure: String? = nil) {
        state.withLock {
            $0.buttonFailure = buttonFailure
            $0.outputFailure = outputFailure
        }
    }

    public func openButton(_ settings: ButtonSettings, consumer: String) throws -> any GPIOButtonLine {
        try state.withLock { state in
            if let failure = state.buttonFailure { throw OpenError(description: failure) }
            let line = FakeButtonLine(description: "fake \(settings.chip) \(settings.line)")
            state.buttons.append(line)
            return line
        }
    }

    public func openOutput(_ settings: LEDSettings, consumer: String) throws -> any GPIOOutputLine {
        try state.withLock { state in
            if let failure = state.outputFailure { throw OpenError(description: failure) }
            let line = FakeOutputLine(description: "fake \(settings.chip) \(settings.line)")
            state.outputs.append(line)
            return line
        }
    }

    /// The button lines opened so far, oldest first.
    public var buttons: [FakeButtonLine] { state.withLock { $0.buttons } }
    /// The output lines opened so far, oldest first.
    public var outputs: [FakeOutputLine] { state.withLock { $0.outputs } }
}
