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
      .binary, magic: [Self.elf], maxSize: 1 << 30, contentMarkers: [Self.marker])
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
    let plainSelector = FileSelector(.binary, magic: [Self.elf], maxSize: 1 << 30)
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
      .binary, magic: [Self.elf], maxSize: 1 << 30, contentMarkers: [Self.marker])
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

  /// Binaries are found by their first bytes, not their mode bits (issue 14): a shared library
  /// is usually 0644 and carries the same build info as a program; a 0755 script is no binary.
  /// Files that are not binaries are never buffered or spooled, whatever their size, and the
  /// magic is decided across chunk boundaries (chunks of 1 and 3 bytes split it).
  @Test(arguments: [1, 3, 1000])
  func binariesFoundByMagicNotModeBits(chunk: Int) throws {
    let goLibrary = Self.binary(size: 5000, markerAt: 1234)
    let bigGoLibrary = Self.binary(size: 300_000, markerAt: 299_000)
    var script = Array("#!/bin/sh\necho ".utf8) + Self.marker
    script += [UInt8](repeating: 0x41, count: 300_000)
    let pe: [UInt8] = [0x4D, 0x5A, 0x00]  // three bytes: shorter than the longest magic, decided at its end
    var tar = TarBuilder()
    tar.file("usr/lib/libgo.so", goLibrary, mode: 0o644)
    tar.file("usr/lib/libbig.so", bigGoLibrary, mode: 0o444)
    tar.file("usr/bin/script", script, mode: 0o755)
    tar.file("data/blob", [UInt8](repeating: 0x7F, count: 400_000), mode: 0o600)
    tar.file("data/short", [0x7F, 0x45, 0x4C], mode: 0o755)
    tar.file("data/empty", [], mode: 0o755)
    tar.file("win/tiny.exe", pe, mode: 0o644)
    let magics = [Self.elf, [0x4D, 0x5A]]
    let marked = FileSelector(
      .binary, magic: magics, maxSize: 1 << 30, contentMarkers: [Self.marker])
    let plain = FileSelector(.binary, magic: magics, maxSize: 1 << 30)
    for selector in [marked, plain] {
      let tmp = try TemporaryDirectory()
      let options = CaptureOptions(memoryThreshold: 100_000, temporaryDirectory: tmp.path)
      let s = try stack([tar.bytes], selectors: [selector], options: options, chunk: chunk)
      #expect(try s.contents(at: "usr/lib/libgo.so")?.readAll(limit: 1 << 20) == goLibrary)
      #expect(try s.contents(at: "usr/lib/libbig.so")?.readAll(limit: 1 << 20) == bigGoLibrary)
      #expect(s.contents(at: "usr/bin/script") == nil)
      #expect(s.contents(at: "data/blob") == nil)
      #expect(s.contents(at: "data/short") == nil)
      #expect(s.contents(at: "data/empty") == nil)
      let expectedPaths =
        selector == plain
        ? ["usr/lib/libbig.so", "usr/lib/libgo.so", "win/tiny.exe"]
        : ["usr/lib/libbig.so", "usr/lib/libgo.so"]
      #expect(s.paths(matching: selector) == expectedPaths)
      if selector == plain {
        #expect(try s.contents(at: "win/tiny.exe")?.readAll(limit: 10) == pe)
        // Only the one large binary was spooled: the script and the blob never reached disk.
        let spools = try FileManager.default.contentsOfDirectory(atPath: tmp.path)
        #expect(spools.count == 1)
        let spooled = try spools.flatMap {
          try FileManager.default.contentsOfDirectory(atPath: tmp.path + "/" + $0)
        }
        #expect(spooled.count == 1)
      }
    }
  }

  /// A root filesystem on disk: the same rule, by the bytes.
  @Test func directoryBinariesFoundByMagicNotModeBits() throws {
    let tmp = try TemporaryDirectory()
    let fm = FileManager.default
    try fm.createDirectory(atPath: tmp.file("usr/lib"), withIntermediateDirectories: true)
    let library = Self.binary(size: 4000, markerAt: 100)
    fm.createFile(
      atPath: tmp.file("usr/lib/libgo.so"), contents: Data(library),
      attributes: [.posixPermissions: 0o644])
    fm.createFile(
      atPath: tmp.file("usr/lib/script"), contents: Data("#!/bin/sh\n".utf8),
      attributes: [.posixPermissions: 0o755])
    let selector = FileSelector(.binary, magic: [Self.elf], maxSize: 1 << 30)
    let s = try DirectoryResolver.build(root: tmp.path, selectors: [selector])
    #expect(s.paths(matching: selector) == ["usr/lib/libgo.so"])
    #expect(try s.contents(at: "usr/lib/libgo.so")?.readAll(limit: 1 << 20) == library)
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
      FileSelector(.binary, magic: [FileSelector.elfMagic]), FileSelector(.basename("")),
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
      let expected = selectors.indices.filter { selectors[$0].matches(path: path) }.map {
        Int32($0)
      }
      #expect(index.matching(path: path) == expected, "\(path)")
    }
  }
}

/// An ELF file held in memory is decided by its section table (`FileSelector.elfSections`):
/// real binaries with and without the marker sections, and one whose bytes merely contain a
/// marker after its section table.
@Suite struct ELFSectionMarkerTests {
  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable), "needs ../shared/data"))
  func realBinariesAreDecidedBySection() throws {
    let rust = [UInt8](
      try Data(
        contentsOf: URL(
          fileURLWithPath: SharedData.path(
            "binaries/trivy/pkg/dependency/parser/rust/binary/testdata/test.elf"))))
    let plain = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "/bin/true")))
    let mentions = plain + Array(".dep-v0".utf8)
    var tar = TarBuilder()
    tar.file("usr/lib/librust.so", rust, mode: 0o644)
    tar.file("usr/bin/true", plain, mode: 0o755)
    tar.file("usr/bin/mentions", mentions, mode: 0o755)
    let selector = FileSelector(
      .binary, magic: [FileSelector.elfMagic], maxSize: 1 << 30,
      contentMarkers: [Array(".dep-v0".utf8)], elfSections: [".dep-v0"])
    let s = try stack([tar.bytes], selectors: [selector], chunk: 4096)
    #expect(try s.contents(at: "usr/lib/librust.so")?.readAll(limit: 1 << 24) == rust)
    #expect(s.contents(at: "usr/bin/true") == nil)
    // The marker's bytes sit after the section table, in no section: not a cargo-auditable
    // binary (a stream search would have kept it).
    #expect(s.contents(at: "usr/bin/mentions") == nil)
  }
}
