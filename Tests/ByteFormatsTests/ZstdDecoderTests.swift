import ByteFormats
import Foundation
import TailguardTesting
import Testing

@Suite struct ZstdDecoderTests {
  static let enabled = FixtureProcess.which("zstd") != nil && ZstdDecoder.isAvailable

  @Test(.enabled(if: Oracles.gate(enabled), "zstd CLI or libzstd.so.1 missing"))
  func matchesZstdCLIAcrossChunkingsAndFrames() throws {
    let a = InflaterTests.sample(2_000_000, seed: 3)
    let b = InflaterTests.sample(300_000, seed: 4)
    let za = try FixtureProcess.run("zstd", ["-c", "-q", "-3"], stdin: a)
    let zb = try FixtureProcess.run("zstd", ["-c", "-q", "-19"], stdin: b)
    let joined = za + zb  // two frames
    for chunk in [13, 4096, 1 << 20, joined.count] {
      var d = try ZstdDecoder()
      var out = [UInt8]()
      var i = 0
      while i < joined.count {
        let j = min(joined.count, i + chunk)
        try d.push(joined[i..<j]) { out.append(contentsOf: $0) }
        i = j
      }
      try d.finish()
      #expect(out == a + b, "chunk \(chunk)")
    }
  }

  @Test(.enabled(if: Oracles.gate(enabled), "zstd CLI or libzstd.so.1 missing"))
  func truncatedCorruptAndBombs() throws {
    let plain = InflaterTests.sample(500_000)
    let z = try FixtureProcess.run("zstd", ["-c", "-q"], stdin: plain)
    do {
      _ = try ZstdDecoder.decompress(Array(z.prefix(z.count - 10)))
      Issue.record("truncated accepted")
    } catch { #expect(error.code == .truncated || error.code == .decompression) }
    var bad = z
    for k in stride(from: 20, to: min(bad.count, 400), by: 7) { bad[k] ^= 0x5A }
    #expect(throws: ByteFormatError.self) { try ZstdDecoder.decompress(bad) }
    #expect(throws: ByteFormatError.self) { try ZstdDecoder.decompress(Array("plain text".utf8)) }

    let zeros = [UInt8](repeating: 0, count: 64 << 20)
    let bomb = try FixtureProcess.run("zstd", ["-c", "-q", "-19"], stdin: zeros)
    #expect(bomb.count < 10_000)
    do {
      _ = try ZstdDecoder.decompress(bomb, limit: 4 << 20)
      Issue.record("bomb accepted")
    } catch { #expect(error.code == .limitExceeded) }
    var d = try ZstdDecoder(
      limits: DecompressionLimits(maxOutput: 1 << 40, maxRatio: 50, ratioSlack: 1 << 20))
    #expect {
      try d.push(bomb) { _ in }
    } throws: { ($0 as? ByteFormatError)?.code == .limitExceeded }
  }
}

@Suite struct LayerStreamDecoderTests {
  @Test(.enabled(if: Oracles.gate(FixtureProcess.which("gzip") != nil), "gzip missing"))
  func sniffsCompressionAndVerifiesBothDigests() throws {
    let tar = InflaterTests.sample(100_000)
    let gz = try FixtureProcess.run("gzip", ["-c"], stdin: tar)
    let blob = LayerStreamDecoder.Expected(algorithm: "sha256", hex: BlobHasher.sha256Hex(gz))
    let diff = LayerStreamDecoder.Expected(algorithm: "sha256", hex: BlobHasher.sha256Hex(tar))
    var d = try LayerStreamDecoder(what: "layer 1", blobDigest: blob, diffID: diff)
    var out: [UInt8] = []
    try d.push(gz) { out += $0 }
    try d.finish { out += $0 }
    #expect(out == tar)
    #expect(d.compression == .gzip)

    var wrong = try LayerStreamDecoder(what: "layer 2 (sha256:feed)", blobDigest: diff, diffID: nil)
    try wrong.push(gz) { _ in }
    do {
      try wrong.finish { _ in }
      Issue.record("mismatch accepted")
    } catch let e as ByteFormatError {
      #expect(e.code == .digestMismatch)
      #expect(e.message.contains("layer 2 (sha256:feed)"))
    }
    // Uncompressed and tiny inputs pass through.
    var plain = try LayerStreamDecoder(
      what: "l", blobDigest: nil,
      diffID: .init(algorithm: "sha256", hex: BlobHasher.sha256Hex([1, 2, 3])))
    var got: [UInt8] = []
    try plain.push([1, 2, 3]) { got += $0 }
    try plain.finish { got += $0 }
    #expect(got == [1, 2, 3])
    #expect(plain.compression == LayerStreamDecoder.Compression.none)
  }
}
