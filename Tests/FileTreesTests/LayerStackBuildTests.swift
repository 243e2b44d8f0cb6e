import ByteFormats
import Foundation
import TailguardModel
import TailguardTesting
import Testing

@testable import FileTrees

/// `LayerStack.build` walks a large layer's tar on a worker thread past its first
/// `inlineLimit` bytes. The tree, the captured contents and the diagnostics must be exactly
/// those of the inline walk, the worker's errors must reach the caller, and a read that fails
/// midway must end the build with the read's own error, not hang on the worker (that a dropped
/// worker's thread ends is checked in ChunkWorkerTests).
@Suite struct LayerStackBuildTests {
  static let marker: [UInt8] = [0xFF] + Array(" Go buildinf:".utf8)

  /// Two layers, ~11 MB: thousands of small files (some selected), executables with and
  /// without a content marker, a too-large selected file, whiteouts in the second layer.
  static let layers: [[UInt8]] = {
    var g = SeededGenerator(seed: 42)
    func noise(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: g.next()) } }
    var l0 = TarBuilder()
    for d in 0..<40 {
      l0.directory("usr/share/d\(d)/")
      for f in 0..<60 { l0.file("usr/share/d\(d)/f\(f).txt", noise(Int(g.next() % 3000))) }
      l0.file("usr/lib/python3/p\(d).dist-info/METADATA", "Name: p\(d)\nVersion: 1.\(d)\n")
    }
    for b in 0..<12 {
      var bytes = [0x7F, 0x45, 0x4C, 0x46] + noise(400_000)
      if b % 3 == 0 { bytes.replaceSubrange(300_000..<(300_000 + marker.count), with: marker) }
      l0.file("usr/bin/tool\(b)", bytes, mode: 0o755)
    }
    l0.file("usr/lib/python3/huge.dist-info/METADATA", noise(70_000))
    var l1 = TarBuilder()
    l1.whiteout("usr/share/d3")
    l1.whiteout("usr/bin/tool3")
    l1.file("usr/lib/python3/p5.dist-info/METADATA", "Name: p5\nVersion: 2.0\n")
    for f in 0..<2000 { l1.file("opt/app/f\(f)", noise(2000)) }
    return [l0.finished(), l1.finished()]
  }()

  static let selectors = [
    FileSelector(.suffix(".dist-info/METADATA"), maxSize: 65_536),
    FileSelector(
      .binary, magic: [FileSelector.elfMagic], maxSize: 1 << 30, contentMarkers: [marker]),
  ]

  static func image() throws -> ImageMetadata {
    let infos = try layers.indices.map {
      LayerInfo(
        index: $0, digest: try Digest(parsing: FixtureDigest.sha256(layers[$0])),
        mediaType: "tar", compression: .none, size: Int64(layers[$0].count))
    }
    return ImageMetadata(target: "test", sourceKind: "test", layers: infos)
  }

  /// Builds with `inlineLimit`, feeding 64 KiB chunks; `failAfter` bytes make the read throw.
  static func build(inlineLimit: Int, layers: [[UInt8]] = layers, failAfter: Int? = nil)
    async throws -> LayerStack
  {
    try await LayerStack.build(
      image: try image(), selectors: selectors, inlineLimit: inlineLimit
    ) { layer, sink in
      let tar = layers[layer.index]
      var k = 0
      while k < tar.count {
        if let failAfter, k >= failAfter { throw CancellationError() }
        let j = min(tar.count, k + (64 << 10))
        try tar[k..<j].withUnsafeBytes { try sink($0) }
        k = j
      }
    }
  }

  static func summary(_ s: LayerStack) throws -> [String] {
    var out = s.entries().map {
      "\($0.path) \($0.kind) \($0.size) \($0.addedInLayer) \($0.changedInLayer)"
    }
    for selector in selectors {
      for path in s.paths(matching: selector) {
        let bytes = try s.contents(at: path)?.readAll(limit: 1 << 30) ?? []
        out.append("captured \(path) \(bytes.count) \(FixtureDigest.sha256(bytes))")
      }
    }
    out += s.diagnostics.map { "\($0.code) \($0.path ?? "")" }
    return out
  }

  @Test func workerWalkEqualsInlineWalk() async throws {
    let inline = try Self.summary(try await Self.build(inlineLimit: .max))
    #expect(inline.contains { $0.hasPrefix("captured usr/bin/tool0 ") })
    #expect(!inline.contains { $0.hasPrefix("captured usr/bin/tool1 ") })
    #expect(!inline.contains { $0.hasPrefix("captured usr/bin/tool3 ") })
    #expect(inline.contains { $0.hasPrefix("capture.too-large usr/lib/python3/huge") })
    for limit in [0, 1 << 20, 4 << 20] {
      #expect(try Self.summary(try await Self.build(inlineLimit: limit)) == inline, "\(limit)")
    }
  }

  @Test func workerErrorsReachTheCaller() async throws {
    // A header with a bad checksum 6 MB into the first layer, past the inline limit.
    // The first header at or after 6 MB (headers are 512-byte aligned, "ustar" at 257).
    var bad = Self.layers[0]
    var offset = (6 << 20) / 512 * 512
    while offset + 512 <= bad.count
      && !(bad[offset + 257] == UInt8(ascii: "u") && bad[offset + 258] == UInt8(ascii: "s"))
    {
      offset += 512
    }
    try #require(offset + 512 <= bad.count)
    bad[offset + 148] ^= 0x01  // checksum field
    for limit in [Int.max, 0, 4 << 20] {
      await #expect(throws: FileTreeError.self, "\(limit)") {
        _ = try await Self.build(inlineLimit: limit, layers: [bad, Self.layers[1]])
      }
    }
  }

  @Test func failedReadEndsTheBuildWithItsError() async throws {
    for _ in 0..<10 {
      await #expect(throws: CancellationError.self) {
        _ = try await Self.build(inlineLimit: 0, failAfter: 5 << 20)
      }
    }
  }
}
