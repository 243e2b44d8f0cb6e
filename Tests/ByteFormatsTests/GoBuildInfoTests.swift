import Foundation
import TailguardTesting
import Testing

@testable import ByteFormats

private let goTestdata = "binaries/trivy/pkg/dependency/parser/golang/binary/testdata/"

private func source(_ name: String) throws -> FileByteSource {
  try FileByteSource(path: SharedData.path(goTestdata + name))
}

/// Renders build info the way `go version -m` does (one tab-indented line per record), so it
/// can be compared with the real tool's output line by line.
private func render(_ info: GoBuildInfo) -> [String] {
  func quoteIfNeeded(_ s: String, extra: Set<Character>) -> String {
    let needs = s.contains {
      $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\"" || $0 == "`"
        || extra.contains($0)
    }
    guard needs else { return s }
    return "\""
      + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
      + "\""
  }
  var lines: [String] = []
  if let path = info.path { lines.append("path\t\(path)") }
  func module(_ kind: String, _ m: GoBuildInfo.Module) {
    lines.append("\(kind)\t\(m.path)\t\(m.version)\t\(m.sum ?? "")")
    if let r = m.replacement { lines.append("=>\t\(r.path)\t\(r.version)\t\(r.sum ?? "")") }
  }
  if let main = info.main { module("mod", main) }
  for d in info.dependencies { module("dep", d) }
  for s in info.settings {
    lines.append(
      "build\t\(quoteIfNeeded(s.key, extra: ["="]))=\(quoteIfNeeded(s.value, extra: []))")
  }
  return lines
}

private func oracleLines(_ path: String) throws -> (version: String, lines: [String]) {
  let out = String(decoding: try FixtureProcess.run("go", ["version", "-m", path]), as: UTF8.self)
  var lines = out.split(separator: "\n").map(String.init)
  guard !lines.isEmpty, lines[0].contains(":") else {
    throw FixtureError("go version -m printed nothing for \(path)")
  }
  let first = lines.removeFirst()
  let version = String(first[first.index(first.firstIndex(of: ":")!, offsetBy: 2)...])
  // `go version -m` prints a trailing tab after an empty checksum; keep fields as printed.
  return (version, lines.map { $0.hasPrefix("\t") ? String($0.dropFirst()) : $0 })
}

@Suite struct GoBuildInfoTests {
  @Test func go115PointerFormatWithDependencies() throws {
    let info = try #require(try GoBuildInfo.read(from: try source("test.elf")))
    #expect(info.goVersion == "go1.15.2")
    #expect(info.stdlibVersion == "1.15.2")
    #expect(info.path == "github.com/aquasecurity/test")
    #expect(
      info.main == GoBuildInfo.Module(path: "github.com/aquasecurity/test", version: "(devel)"))
    #expect(
      info.dependencies.map { "\($0.path)@\($0.version)" } == [
        "github.com/aquasecurity/go-pep440-version@v0.0.0-20210121094942-22b2f8951d46",
        "github.com/aquasecurity/go-version@v0.0.0-20210121072130-637058cfe492",
        "golang.org/x/xerrors@v0.0.0-20200804184101-5ec99f83aff1",
      ])
    #expect(info.dependencies.last?.sum == "h1:go1bK/D/BFZV2I8cIQd1NKEZ+0owSTG1fDTci4IqFcE=")
    #expect(info.problems.isEmpty)
  }

  @Test func go122InlineFormatWithLdflagsAndVCS() throws {
    let info = try #require(try GoBuildInfo.read(from: try source("main-version-via-ldflags.elf")))
    #expect(info.goVersion == "go1.22.1")
    #expect(info.main?.version == "(devel)")
    #expect(info.dependencies.isEmpty)
    #expect(info.setting("-ldflags") == "-w -X main.version=v1.0.0")
    #expect(info.setting("CGO_ENABLED") == "0")
    #expect(info.setting("vcs.revision") == "9640d75c13845419f5797e2e3ac3475f8d801d79")
    #expect(info.setting("vcs.modified") == "true")
    #expect(info.settings.count == 11)
  }

  @Test func goexperimentArm64() throws {
    let info = try #require(try GoBuildInfo.read(from: try source("goexperiment")))
    #expect(info.goVersion == "go1.22.1 X:loopvar")
    #expect(info.stdlibVersion == "1.22.1")
    #expect(info.path == "command-line-arguments")
    #expect(info.main == nil)
    #expect(info.setting("GOEXPERIMENT") == "loopvar")
    #expect(info.setting("GOARCH") == "arm64")
  }

  @Test(
    "agrees with go version -m",
    .enabled(if: Oracles.gate(FixtureProcess.which("go") != nil), "go is not installed"),
    arguments: ["test.elf", "main-version-via-ldflags.elf", "goexperiment"])
  func agreesWithGoVersion(name: String) throws {
    let path = SharedData.path(goTestdata + name)
    let oracle = try oracleLines(path)
    let info = try #require(try GoBuildInfo.read(from: try FileByteSource(path: path)))
    #expect(info.goVersion == oracle.version)
    #expect(render(info) == oracle.lines)
  }

  @Test func modInfoReplacementsAndQuotedSettings() throws {
    let text = """
      path\texample.com/cmd
      mod\texample.com\tv1.0.0\th1:abc=
      dep\tgolang.org/x/net\tv0.1.0\th1:x=
      =>\tgithub.com/fork/net\tv0.1.1\th1:y=
      dep\texample.com/local\tv0.0.0
      =>\t../local\t
      build\t"we=ird"="a b\\t\\"c\\""
      build\tCGO_ENABLED=1
      garbage line
      """
    let info = try GoBuildInfo(parsingModInfo: text, goVersion: "go1.21.0")
    #expect(
      info.dependencies[0].replacement
        == GoBuildInfo.Replacement(path: "github.com/fork/net", version: "v0.1.1", sum: "h1:y="))
    #expect(info.dependencies[1].replacement?.path == "../local")
    #expect(info.dependencies[1].replacement?.version == "")
    #expect(info.settings[0] == GoBuildInfo.Setting(key: "we=ird", value: "a b\t\"c\""))
    #expect(info.setting("CGO_ENABLED") == "1")
    #expect(info.problems == ["garbage line"])
  }

  /// A 1.18+ header whose varint never terminates must be refused, not read past the end.
  @Test func badVarintIsAnError() throws {
    var bytes = [UInt8](repeating: 0, count: 64)
    bytes.replaceSubrange(0..<14, with: GoBuildInfo.magic)
    bytes[14] = 8
    bytes[15] = 2
    for i in 32..<44 { bytes[i] = 0xFF }
    #expect(throws: ByteFormatError.self) {
      _ = try GoBuildInfo.decode(
        source: MemoryByteSource(bytes), headerOffset: 0, header: Array(bytes[0..<32]),
        addressMap: [],
        limits: .init())
    }
    // A length far beyond the file is refused as well.
    bytes.replaceSubrange(32..<38, with: [0x80, 0x80, 0x80, 0x80, 0x10, 0x00])
    let error = #expect(throws: ByteFormatError.self) {
      _ = try GoBuildInfo.decode(
        source: MemoryByteSource(bytes), headerOffset: 0, header: Array(bytes[0..<32]),
        addressMap: [],
        limits: .init())
    }
    #expect(error?.code == .limitExceeded)
  }

  @Test func pointerFormatWithUnmappedAddressIsAnError() throws {
    var bytes = [UInt8](repeating: 0, count: 64)
    bytes.replaceSubrange(0..<14, with: GoBuildInfo.magic)
    bytes[14] = 8
    bytes[15] = 0
    bytes.replaceSubrange(16..<24, with: [0xEF, 0xBE, 0xAD, 0xDE, 0, 0, 0, 0])
    let error = #expect(throws: ByteFormatError.self) {
      _ = try GoBuildInfo.decode(
        source: MemoryByteSource(bytes), headerOffset: 0, header: Array(bytes[0..<32]),
        addressMap: [],
        limits: .init())
    }
    #expect(error?.code == .outOfBounds)
  }

  @Test func nonGoExecutableHasNoBuildInfo() throws {
    let rust = try FileByteSource(
      path: SharedData.path("binaries/trivy/pkg/dependency/parser/rust/binary/testdata/test.elf"))
    #expect(try GoBuildInfo.read(from: rust) == nil)
  }
}
