import Foundation
import TailguardTesting
import Testing

@testable import ByteFormats

/// Layer digests computed off the decoding thread (`DigestPair`): large streams take the worker
/// path, small ones stay inline, and both give exactly SHA-256 of what went through.
@Suite struct LayerDigestTests {
  static func hex(_ bytes: [UInt8]) -> String {
    var h = try! BlobHasher()
    h.update(bytes)
    return h.hex()
  }

  /// 24 MiB of seeded bytes with some runs, so gzip has work to do and the stream is far
  /// above the inline threshold.
  static let content: [UInt8] = {
    var g = SeededGenerator(seed: 7)
    var out = [UInt8]()
    out.reserveCapacity(24 << 20)
    while out.count < 24 << 20 {
      let v = UInt8(truncatingIfNeeded: g.next())
      out.append(contentsOf: repeatElement(v, count: Int(v % 7) + 1))
    }
    return out
  }()

  func decode(
    _ blob: [UInt8], blobHex: String, contentHex: String, chunk: Int = 64 << 10
  ) throws -> (out: Int, digest: String?) {
    var decoder = try LayerStreamDecoder(
      what: "layer 1", blobDigest: .init(algorithm: "sha256", hex: blobHex),
      diffID: .init(algorithm: "sha256", hex: contentHex))
    var out = 0
    var i = 0
    while i < blob.count {
      let end = min(i + chunk, blob.count)
      try decoder.push(Array(blob[i..<end])) { out += $0.count }
      i = end
    }
    try decoder.finish { out += $0.count }
    return (out, decoder.uncompressedDigest)
  }

  @Test(.enabled(if: Oracles.gate(FixtureProcess.which("gzip") != nil)))
  func largeStreamVerifiesOnTheWorker()
    throws
  {
    let blob = try ImageBuilder.compress(Self.content, .gzip)
    let contentHex = Self.hex(Self.content)
    let r = try decode(blob, blobHex: Self.hex(blob), contentHex: contentHex)
    #expect(r.out == Self.content.count)
    #expect(r.digest == "sha256:" + contentHex)
  }

  @Test(.enabled(if: Oracles.gate(FixtureProcess.which("gzip") != nil)))
  func largeStreamMismatchesAreNamed()
    throws
  {
    let blob = try ImageBuilder.compress(Self.content, .gzip)
    let wrong = String(repeating: "0", count: 64)
    #expect {
      _ = try decode(blob, blobHex: wrong, contentHex: Self.hex(Self.content))
    } throws: { ($0 as? ByteFormatError)?.code == .digestMismatch && "\($0)".contains("blob") }
    #expect {
      _ = try decode(blob, blobHex: Self.hex(blob), contentHex: wrong)
    } throws: { ($0 as? ByteFormatError)?.code == .digestMismatch && "\($0)".contains("diff_id") }
  }

  @Test func smallStreamStaysInline() throws {
    let small = Array(Self.content.prefix(1000))
    let r = try decode(small, blobHex: Self.hex(small), contentHex: Self.hex(small))
    #expect(r.out == 1000)
    #expect(r.digest == "sha256:" + Self.hex(small))
  }

  @Test func abandonedStreamStopsItsWorker() throws {
    // Push well past the inline limit, then drop the decoder without finish(): nothing is
    // verified (that the worker's thread ends is checked in ChunkWorkerTests).
    for _ in 0..<20 {
      var decoder = try LayerStreamDecoder(
        what: "layer", blobDigest: .init(algorithm: "sha256", hex: "00"),
        diffID: .init(algorithm: "sha256", hex: "00"))
      try decoder.push(Array(Self.content.prefix(12 << 20))) { _ in }
    }
    let pair = DigestPair(blob: try BlobHasher(), content: nil, inlineLimit: 0)
    Self.content.prefix(3 << 20).withUnsafeBytes { pair.update(.blob, $0) }
    let (blob, content) = pair.finish()
    #expect(content == nil)
    #expect(blob?.hex() == Self.hex(Array(Self.content.prefix(3 << 20))))
  }
}
