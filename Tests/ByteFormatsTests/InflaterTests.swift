import ByteFormats
import Foundation
import TailguardTesting
import Testing

@Suite struct InflaterTests {
  /// Pseudo-random but compressible text, deterministic.
  static func sample(_ n: Int, seed: UInt64 = 42) -> [UInt8] {
    var x = seed
    var out = [UInt8]()
    out.reserveCapacity(n)
    let words = Array("alpha beta gamma delta epsilon layer tar whiteout \n".utf8)
    while out.count < n {
      x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let i = Int(x >> 59) % words.count
      out.append(words[i])
      if x & 7 == 0 { out.append(UInt8(truncatingIfNeeded: x >> 32)) }
    }
    return out
  }

  static func python(_ code: String, _ input: [UInt8]) throws -> [UInt8] {
    try FixtureProcess.run("python3", ["-c", code], stdin: input)
  }

  @Test(.enabled(if: Oracles.gate(FixtureProcess.which("gzip") != nil), "gzip is not installed"))
  func gzipMatchesGzipCLIAcrossChunkings() throws {
    let plain = Self.sample(3_000_000)
    let gz = try FixtureProcess.run("gzip", ["-c", "-6"], stdin: plain)
    for chunkSize in [1, 7, 4096, 1 << 20, gz.count] where chunkSize < 64 || plain.count > 0 {
      if chunkSize == 1 && gz.count > 200_000 {
        // byte-at-a-time on the first 50 KiB only (slow path sanity)
        var inf = Inflater(mode: .gzip)
        var out = [UInt8]()
        for b in gz.prefix(50_000) { try inf.push([b]) { out.append(contentsOf: $0) } }
        #expect(out.elementsEqual(plain.prefix(out.count)))
        #expect(out.count > 50_000)
        continue
      }
      var inf = Inflater(mode: .gzip)
      var out = [UInt8]()
      var i = 0
      while i < gz.count {
        let j = min(gz.count, i + chunkSize)
        try inf.push(gz[i..<j]) { out.append(contentsOf: $0) }
        i = j
      }
      try inf.finish()
      #expect(out == plain, "chunk size \(chunkSize)")
      #expect(inf.totalIn == Int64(gz.count))
      #expect(inf.totalOut == Int64(plain.count))
    }
  }

  @Test(.enabled(if: Oracles.gate(FixtureProcess.which("gzip") != nil), "gzip is not installed"))
  func multiMemberGzipAndZeroPadding() throws {
    let a = Self.sample(100_000, seed: 1)
    let b = Self.sample(70_000, seed: 2)
    let joined =
      try FixtureProcess.run("gzip", ["-c"], stdin: a)
      + FixtureProcess.run("gzip", ["-c"], stdin: b)
      + [UInt8](repeating: 0, count: 512)
    #expect(try Inflater.inflate(joined, mode: .gzip) == a + b)
    #expect(try Inflater.inflate(joined, mode: .auto) == a + b)
  }

  @Test(
    .enabled(if: Oracles.gate(FixtureProcess.which("python3") != nil), "python3 is not installed"))
  func zlibAndRawMatchPythonZlib() throws {
    let plain = Self.sample(200_000, seed: 7)
    let z = try Self.python(
      "import sys,zlib; sys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read(), 9))", plain)
    let raw = try Self.python(
      "import sys,zlib; c=zlib.compressobj(6, zlib.DEFLATED, -15); d=sys.stdin.buffer.read(); sys.stdout.buffer.write(c.compress(d)+c.flush())",
      plain)
    #expect(try Inflater.inflate(z, mode: .zlib) == plain)
    #expect(try Inflater.inflate(z, mode: .auto) == plain)
    #expect(try Inflater.inflate(raw, mode: .raw) == plain)
    // Raw deflate is not a zlib stream.
    #expect(throws: ByteFormatError.self) { try Inflater.inflate(raw, mode: .zlib) }
  }

  @Test(.enabled(if: Oracles.gate(FixtureProcess.which("gzip") != nil), "gzip is not installed"))
  func bombsAreRefusedByRatioAndTotal() throws {
    let zeros = [UInt8](repeating: 0, count: 64 << 20)
    let gz = try FixtureProcess.run("gzip", ["-c", "-9"], stdin: zeros)
    #expect(gz.count < 100_000)
    // Total bound.
    do {
      _ = try Inflater.inflate(gz, mode: .gzip, limit: 1 << 20)
      Issue.record("expected the output limit to trip")
    } catch {
      #expect(error.code == .limitExceeded)
    }
    // Ratio bound, streaming.
    var inf = Inflater(
      mode: .gzip,
      limits: DecompressionLimits(maxOutput: 1 << 40, maxRatio: 100, ratioSlack: 1 << 20))
    var seen: Int64 = 0
    do {
      try inf.push(gz) { seen += Int64($0.count) }
      Issue.record("expected the ratio limit to trip")
    } catch let e as ByteFormatError {
      #expect(e.code == .limitExceeded)
      #expect(e.message.contains("ratio"))
    }
    #expect(seen < 4 << 20)
    // Raised bounds read it all.
    var ok = Inflater(
      mode: .gzip, limits: DecompressionLimits(maxOutput: 1 << 30, maxRatio: 100_000))
    var total: Int64 = 0
    try ok.push(gz) { total += Int64($0.count) }
    try ok.finish()
    #expect(total == Int64(zeros.count))
  }

  @Test(.enabled(if: Oracles.gate(FixtureProcess.which("gzip") != nil), "gzip is not installed"))
  func truncatedCorruptAndTrailingGarbage() throws {
    let plain = Self.sample(50_000)
    let gz = try FixtureProcess.run("gzip", ["-c"], stdin: plain)
    #expect(throws: ByteFormatError.self) {
      try Inflater.inflate(Array(gz.prefix(gz.count / 2)), mode: .gzip)
    }
    do {
      _ = try Inflater.inflate(Array(gz.prefix(gz.count - 4)), mode: .gzip)
      Issue.record("truncated trailer accepted")
    } catch { #expect(error.code == .truncated) }
    var bad = gz
    bad[bad.count / 2] ^= 0xFF
    bad[bad.count / 2 + 1] ^= 0xFF
    #expect(throws: ByteFormatError.self) { try Inflater.inflate(bad, mode: .gzip) }
    #expect(throws: ByteFormatError.self) {
      try Inflater.inflate(gz + [0x41, 0x42, 0x43], mode: .gzip)
    }
    do {
      _ = try Inflater.inflate([], mode: .gzip)
      Issue.record("empty accepted")
    } catch { #expect(error.code == .truncated) }
    #expect(throws: ByteFormatError.self) {
      try Inflater.inflate(Array("not gzip at all".utf8), mode: .gzip)
    }
  }
}
