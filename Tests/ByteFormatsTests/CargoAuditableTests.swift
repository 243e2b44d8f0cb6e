import Foundation
import TailguardTesting
import Testing

@testable import ByteFormats

private let rustBinary = "binaries/trivy/pkg/dependency/parser/rust/binary/testdata/test.elf"

@Suite struct CargoAuditableTests {
  /// Expectation checked independently: the `.dep-v0` section extracted with readelf offsets and
  /// decoded with Python's zlib + json gives exactly these two crates.
  @Test func readsDepV0Section() throws {
    let data = try #require(
      try CargoAuditable.read(from: try FileByteSource(path: SharedData.path(rustBinary))))
    #expect(
      data.packages == [
        .init(
          name: "crate_with_features", version: "0.1.0", source: "local", dependencies: [1],
          root: true),
        .init(name: "library_crate", version: "0.1.0", source: "local"),
      ])
  }

  @Test(
    "agrees with python zlib + json on the raw section",
    .enabled(if: Oracles.gate(FixtureProcess.which("python3") != nil), "python3 is not installed"))
  func agreesWithPython() throws {
    let path = SharedData.path(rustBinary)
    let elf = try ELFFile(source: try FileByteSource(path: path))
    let section = try #require(elf.section(named: ".dep-v0"))
    let script = """
      import sys, zlib, json
      b = open(sys.argv[1], 'rb').read()[\(section.offset ?? 0):\(section.offset ?? 0) + \(section.size)]
      for p in json.loads(zlib.decompress(b))['packages']:
          print(p['name'], p['version'], p.get('source', ''))
      """
    let out = String(
      decoding: try FixtureProcess.run("python3", ["-c", script, path]), as: UTF8.self)
    let ours = try #require(try CargoAuditable.read(from: try FileByteSource(path: path)))
    #expect(
      out.split(separator: "\n").map(String.init)
        == ours.packages.map { "\($0.name) \($0.version) \($0.source ?? "")" })
  }

  @Test func hostileSections() throws {
    // Not zlib at all.
    #expect(throws: ByteFormatError.self) { _ = try CargoAuditable(compressed: [1, 2, 3, 4]) }
    // A zlib bomb: 64 MiB of zeros compressed to a few KiB, refused at the inflate limit.
    let zeros = [UInt8](repeating: 0x20, count: 64 << 20)
    let bomb = try FixtureProcess.run(
      "python3",
      ["-c", "import sys,zlib;sys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read(),9))"],
      stdin: zeros)
    let error = #expect(throws: ByteFormatError.self) {
      _ = try CargoAuditable(compressed: bomb, maxInflated: 1 << 20)
    }
    #expect(error?.code == .limitExceeded)
    // Dependency index out of range.
    #expect(throws: ByteFormatError.self) {
      _ = try CargoAuditable(
        json: Array(#"{"packages":[{"name":"a","version":"1","dependencies":[7]}]}"#.utf8))
    }
  }
}
