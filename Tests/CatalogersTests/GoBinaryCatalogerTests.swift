import ByteFormats
import FileTrees
import Foundation
import TailguardModel
import TailguardTesting
import Testing

@testable import Catalogers

private let goTestdata = "binaries/trivy/pkg/dependency/parser/golang/binary/testdata/"
private let hasGo = FixtureProcess.which("go") != nil

private func binaries(_ names: [String: String], mode: UInt32 = 0o755) throws
  -> InMemoryFileResolver
{
  var files: [String: [UInt8]] = [:]
  var modes: [String: UInt32] = [:]
  for (image, shared) in names {
    files[image] = [UInt8](try Data(contentsOf: URL(fileURLWithPath: SharedData.path(shared))))
    modes[image] = mode
  }
  return InMemoryFileResolver(files: files, modes: modes, selectors: GoBinaryCataloger().selectors)
}

/// A gzip fixture under Fixtures/lang/go, decompressed.
private func goFixture(_ name: String) throws -> [UInt8] {
  let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
    "Fixtures/lang/go/" + name)
  return try Inflater.inflate([UInt8](try Data(contentsOf: path)), mode: .gzip, limit: 16 << 20)
}

/// `go version -m` output as `path@version` for mod/dep lines (replacements applied) plus the Go version.
private func oracle(_ path: String) throws -> (go: String, modules: [String]) {
  let out = String(decoding: try FixtureProcess.run("go", ["version", "-m", path]), as: UTF8.self)
  var lines = out.split(separator: "\n").map {
    $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
  }
  guard !lines.isEmpty, let colon = lines[0].joined().firstIndex(of: ":") else {
    throw FixtureError("go version -m printed nothing for \(path)")
  }
  let first = lines.removeFirst().joined()
  let go = String(first[first.index(colon, offsetBy: 2)...])
  var modules: [String] = []
  for f in lines where f.count >= 4 {
    switch f[1] {
    case "mod", "dep": modules.append("\(f[2])@\(f[3])")
    case "=>": if !f[3].isEmpty { modules[modules.count - 1] = "\(f[2])@\(f[3])" }
    default: break
    }
  }
  return (go, modules)
}

@Suite struct GoBinaryCatalogerTests {
  @Test func trivyBinaries() throws {
    let resolver = try binaries([
      "usr/bin/deps": goTestdata + "test.elf",
      "usr/bin/ldflags": goTestdata + "main-version-via-ldflags.elf",
      "usr/bin/experiment": goTestdata + "goexperiment",
    ])
    let result = GoBinaryCataloger().catalog(resolver, context: CatalogContext())
    #expect(result.diagnostics.isEmpty)
    let byPath = Dictionary(grouping: result.packages, by: { $0.locations[0].path })
    #expect(
      byPath["usr/bin/deps"]?.map(\.purl.description).sorted() == [
        "pkg:golang/github.com/aquasecurity/go-pep440-version@v0.0.0-20210121094942-22b2f8951d46",
        "pkg:golang/github.com/aquasecurity/go-version@v0.0.0-20210121072130-637058cfe492",
        "pkg:golang/github.com/aquasecurity/test@%28devel%29",
        "pkg:golang/golang.org/x/xerrors@v0.0.0-20200804184101-5ec99f83aff1",
        "pkg:golang/stdlib@1.15.2",
      ])
    #expect(byPath["usr/bin/experiment"]?.map(\.purl.description) == ["pkg:golang/stdlib@1.22.1"])
    let stdlib = try #require(byPath["usr/bin/experiment"]?.first)
    guard case .goModule(let meta) = stdlib.metadata else {
      Issue.record("no go metadata")
      return
    }
    #expect(meta.goVersion == "go1.22.1 X:loopvar")
    #expect(meta.architecture == "arm64")
    #expect(meta.buildSettings.contains(KeyValue("GOEXPERIMENT", "loopvar")))
    let main = try #require(
      byPath["usr/bin/ldflags"]?.first { $0.name == "github.com/aquasecurity/test" })
    #expect(main.version == "(devel)")
    guard case .goModule(let mainMeta) = main.metadata else { return }
    #expect(
      mainMeta.buildSettings.first { $0.key == "-ldflags" }?.value == "-w -X main.version=v1.0.0")
    #expect(
      mainMeta.buildSettings.first { $0.key == "vcs.revision" }?.value
        == "9640d75c13845419f5797e2e3ac3475f8d801d79")
    // The main module contains stdlib and the dependencies; a binary without a main module is the container itself.
    let deps = try #require(byPath["usr/bin/deps"])
    let mainDeps = try #require(deps.first { $0.name == "github.com/aquasecurity/test" })
    #expect(result.relationships.filter { $0.from == mainDeps.id }.count == 4)
    #expect(
      result.relationships.contains(
        Relationship(from: "usr/bin/experiment", to: stdlib.id, kind: .contains)))
  }

  @Test(
    "modules agree with go version -m", .enabled(if: Oracles.gate(hasGo), "go is not installed"),
    arguments: ["test.elf", "main-version-via-ldflags.elf", "goexperiment"])
  func agreesWithGoVersion(name: String) throws {
    let expected = try oracle(SharedData.path(goTestdata + name))
    let result = GoBinaryCataloger().catalog(
      try binaries(["bin/x": goTestdata + name]), context: CatalogContext())
    let modules = result.packages.filter { $0.name != "stdlib" }.map { "\($0.name)@\($0.version)" }
      .sorted()
    #expect(modules == expected.modules.sorted())
    let stdlib = result.packages.first { $0.name == "stdlib" }
    #expect(
      stdlib.map { "go" + $0.version } == expected.go.split(separator: " ").first.map(String.init))
  }

  @Test(.enabled(if: Oracles.gate(PlantedLayerFixture.available), "planted image not available"))
  func plantedBinariesMatchTheExpectedInventory() throws {
    let resolver = try PlantedLayerFixture.resolver(selectors: GoBinaryCataloger().selectors)
    let result = GoBinaryCataloger().catalog(resolver, context: CatalogContext())
    let expected = try #require(
      try PlantedLayerFixture.expectedInventory["go_binaries"] as? [String: [String: Any]])
    let withDeps = try #require(expected["/usr/local/bin/gobin-with-deps"])
    let deps = try #require(withDeps["deps"] as? [String: String])
    let found = result.packages.filter { $0.locations[0].path == "usr/local/bin/gobin-with-deps" }
    #expect(
      Set(
        found.filter { $0.name != "stdlib" && $0.version != "(devel)" }.map {
          "\($0.name)@\($0.version)"
        })
        == Set(deps.map { "\($0.key)@\($0.value)" }))
    #expect(found.contains { $0.name == withDeps["path"] as? String })
    // umoci: a Debian GOPATH build records no modules, so only the toolchain is known.
    let umoci = result.packages.filter { $0.locations[0].path == "usr/local/bin/umoci" }
    #expect(
      umoci.map(\.purl.description) == [
        "pkg:golang/stdlib@"
          + ((expected["/usr/local/bin/umoci"]?["go"] as? String) ?? "").dropFirst(2)
      ])
    guard case .goModule(let meta)? = umoci.first?.metadata else { return }
    #expect(meta.mainModule == expected["/usr/local/bin/umoci"]?["path"] as? String)
  }

  @Test func nonExecutablesAndDamagedBinaries() throws {
    var elf = [UInt8](
      try Data(
        contentsOf: URL(
          fileURLWithPath: SharedData.path(goTestdata + "main-version-via-ldflags.elf"))))
    let at = try #require(
      try ELFFile(source: MemoryByteSource(elf)).section(named: ".go.buildinfo")?.offset)
    // Corrupt the inline varint length of the version string.
    for i in (at + 32)..<(at + 44) { elf[i] = 0xFF }
    let resolver = InMemoryFileResolver(
      files: ["bin/broken": elf, "data/not-exec.elf": elf],
      modes: ["bin/broken": 0o755, "data/not-exec.elf": 0o644],
      selectors: GoBinaryCataloger().selectors)
    let result = GoBinaryCataloger().catalog(resolver, context: CatalogContext())
    #expect(result.packages.isEmpty)
    // A binary is looked into whatever its mode (issue 14): both copies are read and reported.
    #expect(result.diagnostics.map(\.code) == ["go-binary.unreadable", "go-binary.unreadable"])
    #expect(result.diagnostics.map(\.path) == ["bin/broken", "data/not-exec.elf"])
  }

  /// Mach-O, PE, 32-bit ELF and big-endian ELF builds of one program (sparse fixtures, see
  /// Fixtures/lang/go/README.md), checked by hand and against `go version -m`.
  @Test(arguments: [
    ("darwin-arm64", "arm64"), ("windows-amd64", "amd64"), ("linux-386", "386"),
    ("linux-s390x", "s390x"),
  ])
  func otherExecutableFormats(fixture: String, arch: String) throws {
    let bytes = try goFixture("probe-\(fixture).gz")
    let resolver = InMemoryFileResolver(
      files: ["bin/probe": bytes], modes: ["bin/probe": 0o755],
      selectors: GoBinaryCataloger().selectors)
    #expect(resolver.paths(matching: BinaryCatalogerSupport.executableSelector) == ["bin/probe"])
    let result = GoBinaryCataloger().catalog(resolver, context: CatalogContext())
    #expect(result.diagnostics.isEmpty)
    #expect(
      result.packages.map(\.purl.description) == [
        "pkg:golang/example.com/tailguard/probe@%28devel%29", "pkg:golang/stdlib@1.19.8",
      ])
    guard case .goModule(let meta)? = result.packages.first?.metadata else {
      Issue.record("no go metadata")
      return
    }
    #expect(meta.architecture == arch)
    // The header's machine field agrees with the recorded GOARCH (used for pre-1.18 binaries).
    let source = MemoryByteSource(bytes)
    let headerArch: String? =
      fixture.hasPrefix("darwin")
      ? try MachOFile(source: source).goArchitecture
      : fixture.hasPrefix("windows")
        ? try PEFile(source: source).goArchitecture : try ELFFile(source: source).goArchitecture
    #expect(headerArch == arch)
    #expect(meta.buildSettings.first { $0.key == "-ldflags" }?.value == "-X main.version=v9")
    #expect(
      meta.buildSettings.first { $0.key == "GOOS" }?.value
        == String(fixture.split(separator: "-")[0]))
    if hasGo {
      let dir = try TemporaryDirectory()
      try Data(bytes).write(to: URL(fileURLWithPath: dir.file("probe")))
      // `go version` skips files without an execute bit.
      try FileManager.default.setAttributes(
        [.posixPermissions: 0o755], ofItemAtPath: dir.file("probe"))
      let expected = try oracle(dir.file("probe"))
      #expect(expected.go == "go1.19.8")
      #expect(expected.modules == ["example.com/tailguard/probe@(devel)"])
    }
  }

  /// Random corruption of the Mach-O load commands, PE section table and ELF headers (and of
  /// the build-info header) never crashes; lying counts are refused by the readers' limits.
  @Test(arguments: ["darwin-arm64", "windows-amd64", "linux-386", "linux-s390x"])
  func corruptedHeadersNeverCrash(fixture: String) throws {
    let original = try goFixture("probe-\(fixture).gz")
    let magic = GoBuildInfo.magic
    let buildinfo = try #require(
      stride(from: 0, to: original.count - 32, by: 16).first {
        original[$0..<($0 + magic.count)].elementsEqual(magic)
      })
    var rng = SeededGenerator(seed: 0x60b1)
    for _ in 0..<300 {
      var bytes = original
      for _ in 0..<6 {
        let at =
          Bool.random(using: &rng)
          ? Int.random(in: 0..<4096, using: &rng) : buildinfo + Int.random(in: 0..<64, using: &rng)
        bytes[at] = UInt8.random(in: 0...255, using: &rng)
      }
      let resolver = InMemoryFileResolver(
        files: ["bin/x": bytes], modes: ["bin/x": 0o755], selectors: GoBinaryCataloger().selectors)
      let result = GoBinaryCataloger().catalog(resolver, context: CatalogContext())
      #expect(
        result.diagnostics.allSatisfy { $0.code.hasPrefix("go-binary.") && $0.path == "bin/x" })
      _ = RustBinaryCataloger().catalog(resolver, context: CatalogContext())
    }
  }
}

extension GoBinaryCatalogerTests {
  /// A module replaced by another module is reported as the replacement (what was compiled in),
  /// a local-directory replacement keeps the original identity; both record the target.
  @Test func replacements() throws {
    let info = try GoBuildInfo(
      parsingModInfo: """
        path\texample.com/cmd/app
        mod\texample.com/app\tv1.2.3\th1:main=
        dep\tgolang.org/x/net\tv0.1.0\th1:orig=
        =>\tgithub.com/fork/net\tv0.1.1\th1:fork=
        dep\texample.com/local\tv0.0.0-00010101000000-000000000000
        =>\t../local\t
        build\tCGO_ENABLED=0
        """, goVersion: "go1.21.5")
    let resolver = InMemoryFileResolver(files: ["bin/app": [0]], selectors: [])
    var result = CatalogResult()
    GoBinaryFiles().catalog(
      info, path: "bin/app", source: MemoryByteSource([0]), resolver: resolver, into: &result)
    let summary = result.packages.map { p -> String in
      guard case .goModule(let m) = p.metadata else { return "?" }
      return "\(p.purl) \(m.replacedBy ?? "-") \(m.sum ?? "-")"
    }
    #expect(
      summary == [
        "pkg:golang/example.com/app@v1.2.3 - h1:main=", "pkg:golang/stdlib@1.21.5 - -",
        "pkg:golang/github.com/fork/net@v0.1.1 github.com/fork/net@v0.1.1 h1:fork=",
        "pkg:golang/example.com/local@v0.0.0-00010101000000-000000000000 ../local -",
      ])
    let main = result.packages[0].id
    #expect(result.relationships.filter { $0.from == main }.count == 3)
  }
}
