import CVoiceGPIOShim
import Synchronization
import VoiceCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The libgpiod generation this binary was built against (1 or 2) and the library's version.
public enum Libgpiod {
    public static var apiVersion: Int { Int(voiced_gpio_api_version()) }
    public static var libraryVersion: String { String(cString: voiced_gpio_library_version()) }
}

/// A `voiced_gpio_line *`, which only the owning line object touches.
struct GPIOLineHandle: @unchecked Sendable {
    let pointer: OpaquePointer

    var description: String {
        let chip = String(cString: voiced_gpio_line_chip_name(pointer))
        let label = String(cString: voiced_gpio_line_chip_label(pointer))
        let name = String(cString: voiced_gpio_line_name(pointer))
        let offset = voiced_gpio_line_offset(pointer)
        return "\(chip)\(label.isEmpty ? "" : " [\(label)]") line \(offset)\(name.isEmpty ? "" : " \"\(name)\"")"
    }
}

/// Builds the C request, with C strings that live for the call.
private func withLineRequest<Result>(
    chip: String,
    line: GPIOLineReference,
    activeLow: Bool,
    bias: GPIOBias,
    debounceMicroseconds: UInt32,
    consumer: String,
    _ body: (UnsafePointer<voiced_gpio_request>) -> Result
) -> Result {
    var lineName = ""
    var offset: UInt32 = 0
    switch line {
    case .name(let name): lineName = name
    case .offset(let value): offset = UInt32(clamping: value)
    }
    let cBias: voiced_gpio_bias =
        switch bias {
        case .asIs: VOICED_GPIO_BIAS_AS_IS
        case .pullUp: VOICED_GPIO_BIAS_PULL_UP
        case .pullDown: VOICED_GPIO_BIAS_PULL_DOWN
        case .disabled: VOICED_GPIO_BIAS_DISABLED
        }
    return chip.withCString { chipPointer in
        lineName.withCString { linePointer in
            consumer.withCString { consumerPointer in
                var request = voiced_gpio_request(
                    chip: chipPointer,
                    line_name: lineName.isEmpty ? nil : linePointer,
                    offset: offset,
                    active_low: activeLow ? 1 : 0,
                    bias: Int32(cBias.rawValue),
                    debounce_us: debounceMicroseconds,
                    consumer: consumerPointer
                )
                return body(&request)
            }
        }
    }
}

private func errnoText(_ code: Int32) -> String { String(cString: strerror(code)) }

/// The talk button over libgpiod: both-edge events read by a dedicated thread that blocks in
/// `poll` on the line's descriptor and a stop pipe (no busy loop), forwarded to ``edges``.
public final class LibgpiodButtonLine: GPIOButtonLine {
    private struct State {
        var handle: GPIOLineHandle?
        var thread: pthread_t?
        var failure: String?
    }

    public let description: String
    public let hasKernelDebounce: Bool
    public let initiallyActive: Bool
    public let edges: AsyncStream<GPIOEdge>
    private let edgeSink: AsyncStream<GPIOEdge>.Continuation
    private let state: Mutex<State>
    private let lineDescriptor: Int32
    private let stopReadEnd: Int32
    private let stopWriteEnd: Int32

    /// Requests the button line described by `settings` and starts its edge thread.
    ///
    /// - Throws: ``GPIOError`` naming the chip or line, what is wrong and what to do.
    public static func open(_ settings: ButtonSettings, consumer: String = "voiced") throws -> LibgpiodButtonLine {
        var failure = voiced_gpio_error()
        let debounce = UInt32(clamping: max(0, settings.debounceMilliseconds) * 1000)
        let pointer = withLineRequest(
            chip: settings.chip, line: settings.line, activeLow: settings.activeLow, bias: settings.bias,
            debounceMicroseconds: debounce, consumer: consumer
        ) { voiced_gpio_request_input($0, &failure) }
        guard let pointer else {
            throw GPIORequestFailure(failure).error(
                role: "button", section: "button", chipSpec: settings.chip, line: settings.line
            )
        }
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else {
            let code = errno
            voiced_gpio_line_release(pointer)
            throw GPIOError(kind: .failed, description: "button unavailable: pipe() failed: \(errnoText(code))")
        }
        for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let line = LibgpiodButtonLine(handle: GPIOLineHandle(pointer: pointer), stopPipe: (pipeEnds[0], pipeEnds[1]))
        do {
            try line.startThread()
        } catch {
            line.close()
            throw error
        }
        return line
    }

    private init(handle: GPIOLineHandle, stopPipe: (read: Int32, write: Int32)) {
        description = handle.description
        hasKernelDebounce = voiced_gpio_line_has_kernel_debounce(handle.pointer) != 0
        initiallyActive = voiced_gpio_line_get_value(handle.pointer) > 0
        lineDescriptor = voiced_gpio_line_fd(handle.pointer)
        stopReadEnd = stopPipe.read
        stopWriteEnd = stopPipe.write
        (edges, edgeSink) = AsyncStream.makeStream(of: GPIOEdge.self)
        state = Mutex(State(handle: handle))
    }

    deinit { close() }

    public var failure: String? { state.withLock { $0.failure } }

    public func close() {
        let thread = state.withLock { state -> pthread_t? in
            defer { state.thread = nil }
            return state.thread
        }
        if let thread {
            var byte: UInt8 = 1
            _ = write(stopWriteEnd, &byte, 1)
            // The edge thread holds the last reference while it runs, so deinit (and this) can run on
            // it after a failure: a thread cannot join itself.
            if pthread_equal(thread, pthread_self()) != 0 {
                pthread_detach(thread)
            } else {
                pthread_join(thread, nil)
            }
        }
        let handle = state.withLock { state -> GPIOLineHandle? in
            defer { state.handle = nil }
            return state.handle
        }
        guard let handle else { return }
        voiced_gpio_line_release(handle.pointer)
        Glibc.close(stopReadEnd)
        Glibc.close(stopWriteEnd)
        edgeSink.finish()
    }

    private func startThread() throws {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let result = pthread_create(
            &thread, nil,
            { context in
                let line = Unmanaged<LibgpiodButtonLine>.fromOpaque(context!).takeRetainedValue()
                line.readEdges()
                return nil
            }, context)
        guard result == 0 else {
            Unmanaged<LibgpiodButtonLine>.fromOpaque(context).release()
            throw GPIOError(
                kind: .failed, description: "button unavailable: cannot start its thread: \(errnoText(result))")
        }
        state.withLock { $0.thread = thread }
    }

    /// The edge thread: sleeps in `poll` until edges are queued or `close()` writes to the pipe.
    private func readEdges() {
        guard let handle = state.withLock({ $0.handle }) else { return }
        var descriptors = [
            pollfd(fd: lineDescriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: stopReadEnd, events: Int16(POLLIN), revents: 0),
        ]
        var batch = [voiced_gpio_event](repeating: voiced_gpio_event(), count: 16)
        var failure: String?
        loop: while true {
            let ready = poll(&descriptors, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                failure = "poll on the button line failed: \(errnoText(errno))"
                break
            }
            if descriptors[1].revents != 0 { break }
            let events = descriptors[0].revents
            if events & Int16(POLLIN) != 0 {
                while true {
                    let count = batch.withUnsafeMutableBufferPointer {
                        voiced_gpio_line_read_events(handle.pointer, $0.baseAddress, Int32($0.count))
                    }
                    if count < 0 {
                        failure = "reading button edges failed: \(errnoText(-count))"
                        break loop
                    }
                    for event in batch.prefix(Int(count)) {
                        edgeSink.yield(
                            GPIOEdge(isActive: event.is_active != 0, timestampNanoseconds: event.timestamp_ns))
                    }
                    if count < batch.count { break }
                }
            } else if events & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 {
                failure = "the button's GPIO line went away (device removed or driver unloaded)"
                break
            }
        }
        if let failure {
            state.withLock { $0.failure = "button unavailable: \(description): \(failure)" }
        }
        edgeSink.finish()
    }
}

/// A status LED over libgpiod.
public final class LibgpiodOutputLine: GPIOOutputLine {
    public let description: String
    private let handle: Mutex<GPIOLineHandle?>

    /// Requests the LED line described by `settings`, initially off.
    ///
    /// - Throws: ``GPIOError`` naming the chip or line, what is wrong and what to do.
    public static func open(_ settings: LEDSettings, consumer: String = "voiced") throws -> LibgpiodOutputLine {
        var failure = voiced_gpio_error()
        let pointer = withLineRequest(
            chip: settings.chip, line: settings.line, activeLow: settings.activeLow, bias: .asIs,
            debounceMicroseconds: 0, consumer: consumer
        ) { voiced_gpio_request_output($0, 0, &failure) }
        guard let pointer else {
            throw GPIORequestFailure(failure).error(
                role: "LED", section: "led", chipSpec: settings.chip, line: settings.line
            )
        }
        return LibgpiodOutputLine(handle: GPIOLineHandle(pointer: pointer))
    }

    private init(handle: GPIOLineHandle) {
        description = handle.description
        self.handle = Mutex(handle)
    }

    deinit { close() }

    public func setActive(_ active: Bool) throws {
        let result = handle.withLock { handle -> Int32 in
            guard let handle else { return -EBADF }
            return voiced_gpio_line_set_value(handle.pointer, active ? 1 : 0)
        }
        guard result == 0 else {
            throw GPIOError(kind: .failed, description: "setting \(description) failed: \(errnoText(-result))")
        }
    }

    public func close() {
        handle.withLock { handle in
            guard let current = handle else { return }
            _ = voiced_gpio_line_set_value(current.pointer, 0)
            voiced_gpio_line_release(current.pointer)
            handle = nil
        }
    }
}

/// Opens the button and LED lines with libgpiod.
public struct LibgpiodLineProvider: GPIOLineProvider {
    public init() {}

    public func openButton(_ settings: ButtonSettings, consumer: String) throws -> any GPIOButtonLine {
        try LibgpiodButtonLine.open(settings, consumer: consumer)
    }

    public func openOutput(_ settings: LEDSettings, consumer: String) throws -> any GPIOOutputLine {
        try LibgpiodOutputLine.open(settings, consumer: consumer)
    }
}
