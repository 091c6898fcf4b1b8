import CZeroMQ
import Foundation
import SluiceEngine

/// Publishes the engine's KV-cache events over ZeroMQ as vLLM's `ZmqEventPublisher` does
/// (vllm/distributed/kv_events.py): a PUB socket sends each step's ``KVEventBatch`` as three
/// frames (the topic, an 8-byte big-endian sequence number counting from 0, the msgpack
/// payload), and an optional ROUTER socket replays the last `buffer_steps` batches to a
/// subscriber that sends the first sequence number it missed, ending with sequence -1.
///
/// The engine only queues (``publish(_:)``); encoding and sending happen on the publisher's own
/// thread, and sends never wait (a PUB socket drops what a slow subscriber cannot take), so no
/// subscriber, slow, gone or never there, can hold up a step.
///
/// `@unchecked Sendable`: the sockets are made in `init` and from then on touched only by the
/// publisher thread (until ``shutdown()`` has joined it); the queue is locked, and the counters
/// are read under the queue's lock or after the thread ends.
public final class ZMQPublisher: KVEventSink, @unchecked Sendable {
    public let config: KVEventsConfig
    private let queue: KVEventQueue
    private let publisherSocket: UnsafeMutableRawPointer
    private let replaySocket: UnsafeMutableRawPointer?
    private let finished = DispatchSemaphore(value: 0)
    /// The payloads the replay socket can send again, oldest first.
    private var replayBuffer: [(sequence: Int64, payload: [UInt8])] = []
    private var nextSequence: Int64 = 0

    /// Loads libzmq, opens the sockets and starts the publisher thread; throws with a message
    /// for a missing libzmq or an endpoint that cannot be bound or connected.
    public init(config: KVEventsConfig) throws(KVEventsError) {
        self.config = config
        var message = [CChar](repeating: 0, count: 512)
        guard sluice_zmq_load(&message, message.count) == 0 else {
            throw .libzmqMissing(String(cString: message))
        }
        guard let context = sluice_zmq_context(), let socket = sluice_zmq_socket(context, Int32(SLUICE_ZMQ_PUB)) else {
            throw .socket(endpoint: config.endpoint, reason: Self.lastError())
        }
        _ = sluice_zmq_setsockopt_int(socket, Int32(SLUICE_ZMQ_SNDHWM), Int32(clamping: config.hwm))
        _ = sluice_zmq_setsockopt_int(socket, Int32(SLUICE_ZMQ_LINGER), 0)
        let opened = config.bindsEndpoint ? sluice_zmq_bind(socket, config.endpoint) : sluice_zmq_connect(socket, config.endpoint)
        guard opened == 0 else {
            let reason = Self.lastError()
            _ = sluice_zmq_close(socket)
            throw .socket(endpoint: config.endpoint, reason: "\(config.bindsEndpoint ? "bind" : "connect") failed: \(reason)")
        }
        var replay: UnsafeMutableRawPointer?
        if let endpoint = config.replayEndpoint {
            guard let router = sluice_zmq_socket(context, Int32(SLUICE_ZMQ_ROUTER)) else {
                _ = sluice_zmq_close(socket)
                throw .socket(endpoint: endpoint, reason: Self.lastError())
            }
            _ = sluice_zmq_setsockopt_int(router, Int32(SLUICE_ZMQ_LINGER), 0)
            guard sluice_zmq_bind(router, endpoint) == 0 else {
                let reason = Self.lastError()
                _ = sluice_zmq_close(router)
                _ = sluice_zmq_close(socket)
                throw .socket(endpoint: endpoint, reason: "bind failed: \(reason)")
            }
            replay = router
        }
        publisherSocket = socket
        replaySocket = replay
        queue = KVEventQueue(capacity: config.maxQueueSize)
        let thread = Thread { [self] in run() }
        thread.name = "sluice-kv-events"
        thread.start()
    }

    /// Queues one step's events, stamped now; drops them (counted) when the queue is full.
    public func publish(_ events: [KVCacheEvent]) {
        queue.push(KVEventBatch(timestamp: Date().timeIntervalSince1970, events: events))
    }

    /// Batches dropped because the publisher thread fell `max_queue_size` batches behind.
    public var numDroppedBatches: Int { queue.numDropped }

    /// Sends what is queued, stops the thread and closes the sockets.
    public func shutdown() {
        queue.close()
        finished.wait()
        finished.signal()  // a second shutdown returns at once
    }

    /// The publisher thread: sends queued batches, answering replay requests in between.
    private func run() {
        defer {
            _ = sluice_zmq_close(publisherSocket)
            if let replaySocket { _ = sluice_zmq_close(replaySocket) }
            finished.signal()
        }
        let topic = Array(config.topic.utf8)
        while true {
            if replaySocket != nil { serveReplays() }
            switch queue.pop(timeout: 0.1) {
            case .batch(let batch):
                let payload = batch.encoded()
                let sequence = nextSequence
                nextSequence += 1
                send([topic, Self.bigEndian(sequence), payload], on: publisherSocket)
                if replaySocket != nil {
                    replayBuffer.append((sequence, payload))
                    if replayBuffer.count > config.bufferSteps { replayBuffer.removeFirst(replayBuffer.count - config.bufferSteps) }
                }
            case .timedOut:
                continue
            case .closed:
                return
            }
        }
    }

    /// Answers every waiting replay request: `[identity, "", first sequence]` in, each buffered
    /// batch from that sequence on as `[identity, "", sequence, payload]` out, then `[identity, "", -1, ""]`.
    private func serveReplays() {
        guard let replaySocket else { return }
        while let frames = receive(on: replaySocket) {
            guard frames.count == 3, frames[2].count == 8 else { continue }
            let identity = frames[0]
            let start = frames[2].reduce(Int64(0)) { $0 << 8 | Int64($1) }
            for (sequence, payload) in replayBuffer where sequence >= start {
                send([identity, [], Self.bigEndian(sequence), payload], on: replaySocket)
            }
            send([identity, [], Self.bigEndian(-1), []], on: replaySocket)
        }
    }

    /// Sends `frames` as one message, never waiting.
    private func send(_ frames: [[UInt8]], on socket: UnsafeMutableRawPointer) {
        for (index, frame) in frames.enumerated() {
            let more = index < frames.count - 1 ? Int32(SLUICE_ZMQ_SNDMORE) : 0
            let flags = more | Int32(SLUICE_ZMQ_DONTWAIT)
            let sent = frame.withUnsafeBytes { sluice_zmq_send(socket, $0.baseAddress, $0.count, flags) }
            // A ROUTER whose peer left refuses the first frame; the rest of the message goes with it.
            if sent < 0 { return }
        }
    }

    /// One whole waiting message, or nil when none waits.
    private func receive(on socket: UnsafeMutableRawPointer) -> [[UInt8]]? {
        var frames: [[UInt8]] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        while true {
            let count = buffer.withUnsafeMutableBytes {
                sluice_zmq_recv(socket, $0.baseAddress, $0.count, frames.isEmpty ? Int32(SLUICE_ZMQ_DONTWAIT) : 0)
            }
            if count < 0 { return frames.isEmpty ? nil : frames }
            frames.append(Array(buffer[0..<min(Int(count), buffer.count)]))
            var more: Int32 = 0
            guard sluice_zmq_getsockopt_int(socket, Int32(SLUICE_ZMQ_RCVMORE), &more) == 0, more != 0 else {
                return frames
            }
        }
    }

    private static func bigEndian(_ value: Int64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> Int64(56 - 8 * $0)) }
    }

    private static func lastError() -> String {
        String(cString: sluice_zmq_strerror(sluice_zmq_errno()))
    }
}
