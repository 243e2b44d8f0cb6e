import Foundation
import TailguardTesting
import Testing

@testable import ByteFormats

/// `ChunkWorker`: every chunk reaches the consumer once, in order, through a queue far smaller
/// than the stream; the consumer's first error stops consumption and reaches the producer.
@Suite struct ChunkWorkerTests {
  /// Consumer state, touched by the worker thread until `finish` returns.
  final class Seen: @unchecked Sendable {
    var bytes: [UInt8] = []
    var tags: [Int] = []
  }

  static func stream(_ count: Int, seed: UInt64) -> [UInt8] {
    var g = SeededGenerator(seed: seed)
    return (0..<count).map { _ in UInt8(truncatingIfNeeded: g.next()) }
  }

  @Test func everyChunkInOrderThroughABoundedQueue() throws {
    let data = Self.stream(3 << 20, seed: 1)
    let seen = Seen()
    // A 100 KB queue for a 3 MB stream in chunks of varying size: the producer must block
    // and the recycled buffers must never mix chunks.
    let worker = ChunkWorker<Int>(name: "test", maxQueued: 100_000) { tag, bytes in
      seen.tags.append(tag)
      seen.bytes.append(contentsOf: bytes)
    }
    var g = SeededGenerator(seed: 2)
    var offset = 0
    var tags: [Int] = []
    while offset < data.count {
      let n = min(data.count - offset, Int(g.next() % 70_000))
      try data[offset..<(offset + n)].withUnsafeBytes { try worker.send(tags.count, $0) }
      if n > 0 { tags.append(tags.count) }
      offset += n
    }
    try worker.finish()
    #expect(seen.bytes == data)
    #expect(seen.tags == tags)
  }

  struct Stop: Error, Equatable { var at: Int }

  @Test func firstConsumerErrorStopsAndReachesTheProducer() throws {
    let seen = Seen()
    let worker = ChunkWorker<Int>(name: "test", maxQueued: 10_000) { tag, _ in
      seen.tags.append(tag)
      if tag >= 5 { throw Stop(at: tag) }
    }
    let chunk = [UInt8](repeating: 7, count: 4000)
    var thrown: (any Error)?
    for i in 0..<200 {
      do {
        try chunk.withUnsafeBytes { try worker.send(i, $0) }
      } catch {
        thrown = error
        break
      }
    }
    #expect(thrown as? Stop == Stop(at: 5))
    #expect(throws: Stop(at: 5)) { try worker.finish() }
    #expect(seen.tags == [0, 1, 2, 3, 4, 5])
  }

  final class Sentinel: Sendable {}

  @Test func droppedWorkerEndsItsThread() async throws {
    // Without finish (the producer failed), dropping the worker must end its thread. The
    // thread holds the queue state, which holds the consumer, which holds a sentinel: the
    // sentinel goes away only once the thread has let go.
    weak var sentinel: Sentinel?
    var worker: ChunkWorker<Int>?
    do {
      let s = Sentinel()
      sentinel = s
      worker = ChunkWorker<Int>(name: "test", maxQueued: 1 << 20) { _, _ in _ = s }
      try [UInt8](repeating: 1, count: 5000).withUnsafeBytes { try worker?.send(0, $0) }
    }
    try await Task.sleep(for: .milliseconds(50))
    #expect(sentinel != nil)
    worker = nil
    for _ in 0..<500 where sentinel != nil { try await Task.sleep(for: .milliseconds(10)) }
    #expect(sentinel == nil)
  }
}
