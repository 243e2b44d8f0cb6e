import ByteFormats
import Foundation
import TailguardTesting
import Testing

@testable import FileTrees

/// Content markers: executables are kept only when their bytes contain a marker, wherever it
/// falls (inside a chunk, across two chunks, past the memory threshold), and the others are
/// dropped as they stream, never spooled.
@Suite struct ContentMarkerTests {
  static let marker: [UInt8] = [0xFF] + Array(" Go buildinf:".utf8)
  static let elf: [UInt8] = [0x7F, 0x45, 0x4C, 0x46]

  /// An ELF-magic file of `size` bytes with the marker at `at` (or none).
  static func binary(size: Int, markerAt at: Int?) -> [UInt8] {
    var g = SeededGenerator(seed: UInt64(size))
    var b = (0..<size).map { _ in UInt8(truncatingIfNeeded: g.next() % 200) }
    b.replaceSubrange(0..<4, with: elf)
    if let at { b.replaceSubrange(at..<(at + marker.count), with: marker) }
    return b
  }

  @Test func keepsOnlyExecutablesWithAMarker() throws {
    let files: [(String, [UInt8])] = [
      ("usr/bin/plain", Self.binary(size: 5000, markerAt: nil)),
      ("usr/bin/go-inside", Self.binary(size: 5000, markerAt: 2100)),
      // Chunks are 1000 bytes: this marker starts 5 bytes before a chunk boundary.
      ("usr/bin/go-straddles", Self.binary(size: 5000, markerAt: 2995)),
      ("usr/bin/go-at-end", Self.binary(size: 5000, markerAt: 5000 - Self.marker.count)),
      ("usr/bin/big-plain", Self.binary(size: 300_000, markerAt: nil)),
      ("usr/bin/big-go", Self.binary(size: 300_000, markerAt: 250_001)),
    ]
    var tar = TarBuilder()
    for (path, bytes) in files { tar.file(path, bytes, mode: 0o755) }
    let selector = FileSelector(
      .executable, magic: [Self.elf], maxSize: 1 << 30, contentMarkers: [Self.marker])
    let tmp = try TemporaryDirectory()
    // A memory threshold below the big files, so they take the buffered-then-spooled path.
    let options = CaptureOptions(memoryThreshold: 100_000, temporaryDirectory: tmp.path)
    let s = try stack([tar.bytes], selectors: [selector], options: options)
    for (path, bytes) in files {
      let kept = s.contents(at: path)
      if bytes.contains(0xFF) && Self.hasMarker(bytes) {
        #expect(try kept?.readAll(limit: 1 << 20) == bytes, "\(path)")
      } else {
        #expect(kept == nil, "\(path)")
      }
    }
    // A selector without markers keeps every executable as before.
    let plainSelector = FileSelector(.executable, magic: [Self.elf], maxSize: 1 << 30)
    let all = try stack([tar.bytes], selectors: [plainSelector], options: options)
    #expect(files.allSatisfy { all.contents(at: $0.0) != nil })
  }

  /// Marker captures share one buffer: alternating kept and dropped binaries of different
  /// sizes must each keep exactly their own bytes, spooled or (with no disk budget left)
  /// held in memory as an exact copy.
  @Test func sharedMarkerBufferKeepsEachFileExact() throws {
    let files: [(String, [UInt8])] = (0..<8).map { k in
      let size = [300_000, 150_000, 420_000, 200_000][k % 4] + k
      return ("usr/bin/b\(k)", Self.binary(size: size, markerAt: k % 2 == 0 ? size / 2 : nil))
    }
    var tar = TarBuilder()
    for (path, bytes) in files { tar.file(path, bytes, mode: 0o755) }
    let selector = FileSelector(
      .executable, magic: [Self.elf], maxSize: 1 << 30, contentMarkers: [Self.marker])
    let tmp = try TemporaryDirectory()
    for diskBudget: Int64 in [8 << 30, 0] {
      var options = CaptureOptions(memoryThreshold: 100_000, temporaryDirectory: tmp.path)
      options.diskBudget = diskBudget
      let s = try stack([tar.bytes], selectors: [selector], options: options, chunk: 7_000)
      for (k, (path, bytes)) in files.enumerated() {
        let kept = try s.contents(at: path)?.readAll(limit: 1 << 20)
        #expect(kept == (k % 2 == 0 ? bytes : nil), "\(path) disk budget \(diskBudget)")
      }
    }
  }

  static func hasMarker(_ bytes: [UInt8]) -> Bool {
    guard bytes.count >= marker.count else { return false }
    return (0...(bytes.count - marker.count)).contains {
      bytes[$0..<($0 + marker.count)].elementsEqual(marker)
    }
  }
}

/// The byte search behind content markers (memchr on the needle's rarest byte, then memcmp)
/// against a naive search, on random haystacks full of near misses.
@Suite struct MarkerSearchTests {
  @Test func agreesWithNaiveSearch() {
    var rng = SeededGenerator(seed: 11)
    let needles: [[UInt8]] = [
      [0xFF] + Array(" Go buildinf:".utf8), Array(".dep-v0".utf8), Array("__dep_v0".utf8), [0x00],
      [0x41, 0x41],
    ]
    for needle in needles {
      for _ in 0..<400 {
        // Haystacks built from the needle's own bytes, so partial matches abound.
        let count = Int.random(in: 0...60, using: &rng)
        var hay = (0..<count).map { _ in needle.randomElement(using: &rng)! }
        if Bool.random(using: &rng), count >= needle.count {
          let at = Int.random(in: 0...(count - needle.count), using: &rng)
          hay.replaceSubrange(at..<(at + needle.count), with: needle)
        }
        let naive =
          hay.count >= needle.count
          && (0...(hay.count - needle.count)).contains {
            Array(hay[$0..<($0 + needle.count)]) == needle
          }
        let fast = hay.withUnsafeBytes { LayerStackBuilder.contains($0, needle) }
        #expect(fast == naive, "\(needle) in \(hay)")
      }
    }
    // The Go marker is searched by a rare letter, not by its leading 0xFF (~4% of ELF bytes).
    let go = [0xFF] + Array(" Go buildinf:".utf8)
    #expect([UInt8(ascii: "G"), UInt8(ascii: ":")].contains(go[LayerStackBuilder.anchor(go)]))
  }
}

/// The selector index answers exactly like checking every selector in turn.
@Suite struct SelectorIndexTests {
  @Test func agreesWithEverySelectorInTurn() {
    let selectors: [FileSelector] = [
      FileSelector(.path("var/lib/dpkg/status")), FileSelector(.path("lib/apk/db/installed")),
      FileSelector(.directory("var/lib/dpkg/status.d/")), FileSelector(.basename("package.json")),
      FileSelector(.basename("METADATA")), FileSelector(.basename("dist-info/RECORD")),
      FileSelector(.suffix(".jar")), FileSelector(.suffix(".dist-info/METADATA")),
      FileSelector(.executable, magic: [FileSelector.elfMagic]), FileSelector(.basename("")),
      FileSelector(.path("var/lib/dpkg/status")), FileSelector(.basename("package.json")),
    ]
    let index = SelectorIndex(selectors)
    let parts = [
      "var", "lib", "dpkg", "status", "status.d", "apk", "db", "installed", "package.json",
      "METADATA", "RECORD", "x.dist-info", "dist-info", "a.jar", "jar", "usr", "bin", "",
    ]
    var rng = SeededGenerator(seed: 5)
    var paths = ["var/lib/dpkg/status", "lib/apk/db/installed", "package.json", "METADATA"]
    for _ in 0..<3000 {
      paths.append(
        (0..<Int.random(in: 1...5, using: &rng)).map { _ in parts.randomElement(using: &rng)! }
          .joined(separator: "/"))
    }
    for path in paths {
      for exec in [false, true] {
        let expected = selectors.indices.filter {
          selectors[$0].matches(path: path, isExecutable: exec)
        }.map { Int32($0) }
        #expect(index.matching(path: path, isExecutable: exec) == expected, "\(path) \(exec)")
      }
    }
  }
}
