import Foundation
import TailguardTesting
import Testing

@testable import ByteFormats

private let jarDir = "pkgdb/trivy/pkg/dependency/parser/java/jar/testdata/"
private let jars = [
  "gradle.war", "hadoop-shaded-guava-1.1.0-SNAPSHOT.jar", "heuristic-1.0.0-SNAPSHOT.jar",
  "io.quarkus.gizmo.gizmo-1.1.jar", "license-from-jenkins-plugin.jar", "multi-license-1.0.0.jar",
  "nested.jar",
  "test.jar",
]
private let hasUnzip = FixtureProcess.which("unzip") != nil
private let hasPython = FixtureProcess.which("python3") != nil

private func archive(_ bytes: [UInt8]) throws -> ZipArchive {
  try ZipArchive(source: MemoryByteSource(bytes))
}

/// Writes a zip with Python's zipfile (an independent writer) and returns its bytes.
private func pythonZip(_ script: String) throws -> [UInt8] {
  let dir = try TemporaryDirectory()
  let out = dir.file("out.zip")
  try FixtureProcess.run(
    "python3", ["-c", "import sys, zipfile\nout = sys.argv[1]\n" + script, out])
  return [UInt8](try Data(contentsOf: URL(fileURLWithPath: out)))
}

@Suite struct ZipArchiveTests {
  @Test(
    "entry names agree with unzip -Z1",
    .enabled(if: Oracles.gate(hasUnzip), "unzip is not installed"),
    arguments: jars)
  func entryNamesAgreeWithUnzip(name: String) throws {
    let path = SharedData.path(jarDir + name)
    let expected = String(decoding: try FixtureProcess.run("unzip", ["-Z1", path]), as: UTF8.self)
      .split(separator: "\n").map(String.init)
    let zip = try ZipArchive(source: try FileByteSource(path: path))
    #expect(zip.entries.map(\.name) == expected)
  }

  @Test(
    "pom.properties bytes agree with unzip -p",
    .enabled(if: Oracles.gate(hasUnzip), "unzip is not installed"),
    arguments: jars)
  func contentsAgreeWithUnzip(name: String) throws {
    let path = SharedData.path(jarDir + name)
    let zip = try ZipArchive(source: try FileByteSource(path: path))
    for entry in zip.entries
    where entry.name.hasSuffix("pom.properties") || entry.name.hasSuffix("MANIFEST.MF") {
      let expected = try FixtureProcess.run("unzip", ["-p", path, entry.name])
      #expect(
        try zip.contents(of: entry, limits: .member(limit: 1 << 20)) == expected,
        "\(name) \(entry.name)")
    }
  }

  @Test(.enabled(if: Oracles.gate(hasPython), "python3 is not installed"))
  func zip64AndStoredEntries() throws {
    let bytes = try pythonZip(
      """
      with zipfile.ZipFile(out, 'w') as z:
          with z.open('big/a.txt', 'w', force_zip64=True) as f:
              f.write(b'hello zip64')
          z.writestr(zipfile.ZipInfo('stored.txt'), b'plain')
      """)
    let zip = try archive(bytes)
    #expect(zip.entries.map(\.name) == ["big/a.txt", "stored.txt"])
    #expect(
      try zip.contents(of: zip.entries[0], limits: .member(limit: 1024))
        == Array("hello zip64".utf8))
    #expect(
      try zip.contents(of: zip.entries[1], limits: .member(limit: 1024)) == Array("plain".utf8))
  }

  @Test(.enabled(if: Oracles.gate(hasPython), "python3 is not installed"))
  func prependedLauncherScript() throws {
    let zipBytes = try pythonZip(
      """
      with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:
          z.writestr('META-INF/MANIFEST.MF', 'Manifest-Version: 1.0\\r\\n')
      """)
    let script = Array("#!/bin/sh\nexec java -jar \"$0\" \"$@\"\n".utf8)
    let zip = try archive(script + zipBytes)
    let entry = try #require(zip.entry(named: "META-INF/MANIFEST.MF"))
    #expect(
      try zip.contents(of: entry, limits: .member(limit: 1024))
        == Array("Manifest-Version: 1.0\r\n".utf8))
  }

  /// 128 MiB of zeros deflate to about 128 KiB: refused while inflating, at the size limit and at the ratio limit.
  @Test(.enabled(if: Oracles.gate(hasPython), "python3 is not installed"))
  func zipBombIsRefusedWhileInflating() throws {
    let bytes = try pythonZip(
      """
      with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as z:
          with z.open('bomb.bin', 'w', force_zip64=True) as f:
              chunk = b'\\0' * (1 << 20)
              for _ in range(128):
                  f.write(chunk)
      """)
    #expect(bytes.count < 1 << 20)
    let zip = try archive(bytes)
    let entry = try #require(zip.entries.first)
    #expect(entry.uncompressedSize == 128 << 20)
    let sizeError = #expect(throws: ByteFormatError.self) {
      _ = try zip.contents(of: entry, limits: .member(limit: 8 << 20))
    }
    #expect(sizeError?.code == .limitExceeded)
    let ratioError = #expect(throws: ByteFormatError.self) {
      _ = try zip.contents(
        of: entry,
        limits: DecompressionLimits(maxOutput: 1 << 30, maxRatio: 100, ratioSlack: 1 << 20))
    }
    #expect(ratioError?.code == .limitExceeded)
  }

  @Test func truncatedAndLyingDirectories() throws {
    let path = SharedData.path(jarDir + "hadoop-shaded-guava-1.1.0-SNAPSHOT.jar")
    let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    // No end record at all.
    #expect(throws: ByteFormatError.self) {
      _ = try archive(Array(original.prefix(original.count - 30)))
    }
    // End record kept, central directory cut in the middle.
    let zip = try archive(original)
    let cdStart = try #require(zip.entries.map(\.localHeaderOffset).max()) + 100
    let cut = Array(original[0..<cdStart]) + Array(original[(original.count - 22)...])
    #expect(throws: ByteFormatError.self) { _ = try archive(cut) }
    // Entry count lied up to 65,535 with the real directory: refused when the records run out.
    var lying = original
    lying[lying.count - 22 + 10] = 0xFF
    lying[lying.count - 22 + 11] = 0xFF
    lying[lying.count - 22 + 8] = 0xFF
    lying[lying.count - 22 + 9] = 0xFF
    let error = #expect(throws: ByteFormatError.self) { _ = try archive(lying) }
    #expect(error?.code == .truncated)
    // Random corruption anywhere never crashes.
    var rng = SeededGenerator(seed: 31253)
    for _ in 0..<300 {
      var bytes = original
      for _ in 0..<6 {
        let at =
          Bool.random(using: &rng)
          ? Int.random(in: (bytes.count - 2048)..<bytes.count, using: &rng)
          : Int.random(in: 0..<bytes.count, using: &rng)
        bytes[at] = UInt8.random(in: 0...255, using: &rng)
      }
      if let z = try? archive(bytes) {
        for e in z.entries.prefix(20) {
          _ = try? z.contents(of: e, limits: .member(limit: 1 << 20))
        }
      }
    }
  }
}
