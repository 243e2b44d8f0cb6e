import ByteFormats
import FileTrees
import Foundation
import TailguardModel
import TailguardTesting
import Testing

/// Builds a stack from layer tars pushed in small chunks (exercising chunk boundaries).
func stack(
  _ layers: [[UInt8]], selectors: [FileSelector] = [], options: CaptureOptions = CaptureOptions(),
  chunk: Int = 1000
)
  throws -> LayerStack
{
  let infos = try layers.indices.map {
    LayerInfo(
      index: $0, digest: try Digest(parsing: FixtureDigest.sha256(layers[$0])), mediaType: "tar",
      compression: .none, size: Int64(layers[$0].count))
  }
  var b = LayerStackBuilder(layers: infos, selectors: selectors, options: options)
  for (i, tar) in layers.enumerated() {
    b.beginLayer(i)
    var k = 0
    while k < tar.count {
      let j = min(tar.count, k + chunk)
      try tar[k..<j].withUnsafeBytes { try b.push($0) }
      k = j
    }
    try b.endLayer()
  }
  return b.finish()
}

func text(_ s: (any ByteSource)?) -> String? {
  guard let s, let b = try? s.readAll(limit: 1 << 20) else { return nil }
  return String(decoding: b, as: UTF8.self)
}

@Suite struct LayerStackTests {
  @Test func whiteoutsOpaqueDirsAndAttribution() throws {
    var l0 = TarBuilder()
    l0.directory("etc/")
    l0.file("etc/a", "a0")
    l0.file("etc/b", "b0")
    l0.directory("opt/app/")
    l0.file("opt/app/old", "x")
    l0.file("keep", "k")
    var l1 = TarBuilder()
    l1.whiteout("etc/a")
    l1.opaque("opt/app")
    l1.file("opt/app/new", "n")
    l1.file("etc/b", "b1")
    var l2 = TarBuilder()
    l2.file("etc/a", "a2")  // re-added after deletion
    l2.whiteout("keep")
    let s = try stack(
      [l0.finished(), l1.finished(), l2.finished()], selectors: [FileSelector(.directory("etc/"))])
    #expect(s.entry(at: "opt/app/old") == nil)
    #expect(s.entry(at: "opt/app/new")?.addedInLayer == 1)
    #expect(s.entry(at: "keep") == nil)
    let a = try #require(s.entry(at: "etc/a"))
    #expect(a.addedInLayer == 2 && a.changedInLayer == 2)
    let b = try #require(s.entry(at: "/etc/b"))
    #expect(b.addedInLayer == 0 && b.changedInLayer == 1)
    #expect(text(s.contents(at: "etc/b")) == "b1")
    #expect(s.history(of: "etc/b").map(\.layerIndex) == [0, 1])
    #expect(s.history(of: "etc/a").map(\.layerIndex) == [0, 2])
    #expect(s.children(of: "/") == ["etc", "opt"])
    #expect(s.children(of: "opt/app") == ["new"])
    #expect(s.paths(matching: FileSelector(.directory("etc/"))) == ["etc/a", "etc/b"])
    #expect(s.location(of: "etc/b").layerIndex == 1)
  }

  @Test func directoryReplacedByFileHidesItsContents() throws {
    var l0 = TarBuilder()
    l0.file("d/x", "x")
    var l1 = TarBuilder()
    l1.file("d", "now a file")
    let s = try stack([l0.finished(), l1.finished()])
    #expect(s.entry(at: "d")?.kind == .regular)
    #expect(s.entry(at: "d/x") == nil)
  }

  @Test func traversalAndAbsoluteNamesStayInsideTheRoot() throws {
    var l0 = TarBuilder()
    l0.file("../../etc/passwd", "evil")
    l0.file("/abs/file", "abs")
    l0.file("./a/./b/../c", "c")
    l0.hardLink("hl", to: "../../../abs/file")
    let s = try stack(
      [l0.finished()],
      selectors: [FileSelector(.basename("passwd")), FileSelector(.basename("hl"))])
    #expect(s.entry(at: "etc/passwd")?.kind == .regular)
    #expect(s.entry(at: "abs/file") != nil)
    #expect(s.entry(at: "a/c") != nil)
    #expect(s.entry(at: "hl")?.linkTarget == "abs/file")
    #expect(s.diagnostics.filter { $0.code == "layer.path-traversal" }.count == 2)
    #expect(text(s.contents(at: "etc/passwd")) == "evil")
  }

  @Test func symlinksResolveInsideTheRootWithLoopsAndEscapes() throws {
    var l0 = TarBuilder()
    l0.file("usr/lib/os-release", "ID=test")
    l0.symlink("etc/os-release", to: "../usr/lib/os-release")
    l0.symlink("escape", to: "../../../../usr/lib/os-release")
    l0.symlink("abs", to: "/usr/lib/os-release")
    l0.symlink("loop1", to: "loop2")
    l0.symlink("loop2", to: "loop1")
    l0.symlink("self", to: "self")
    l0.symlink("lib", to: "usr/lib")
    l0.symlink("dangling", to: "nowhere")
    for k in 0..<45 { l0.symlink("chain\(k)", to: "chain\(k + 1)") }
    l0.file("chain45", "end")
    let s = try stack(
      [l0.finished()],
      selectors: [FileSelector(.basename("os-release")), FileSelector(.basename("chain45"))])
    #expect(s.resolve("etc/os-release") == "usr/lib/os-release")
    #expect(s.resolve("escape") == "usr/lib/os-release")
    #expect(s.resolve("abs") == "usr/lib/os-release")
    #expect(s.resolve("lib/os-release") == "usr/lib/os-release")
    #expect(s.entry(at: "lib/os-release")?.kind == .regular)
    #expect(s.resolve("loop1") == nil)
    #expect(s.resolve("self") == nil)
    #expect(s.resolve("dangling") == nil)
    #expect(s.resolve("chain10") == "chain45")  // 35 hops
    #expect(s.resolve("chain0") == nil)  // 45 hops > 40
    #expect(text(s.contents(at: "etc/os-release")) == "ID=test")
    #expect(s.entry(at: "etc/os-release")?.kind == .symlink)
  }

  /// `symlinks()` lists the symlinks the container sees: not hard links, not links a later
  /// layer deleted or replaced; the protocol's default (a walk with `children(of:)`) agrees.
  @Test func symlinksListsVisibleLinksOnly() throws {
    var l0 = TarBuilder()
    l0.file("usr/lib/libz.so.1.2.13", "z")
    l0.symlink("usr/lib/libz.so.1", to: "libz.so.1.2.13")
    l0.symlink("lib", to: "usr/lib")
    l0.symlink("gone", to: "usr/lib")
    l0.symlink("replaced", to: "usr/lib")
    l0.hardLink("usr/lib/hard", to: "usr/lib/libz.so.1.2.13")
    l0.directory("opt/old/")
    l0.symlink("opt/old/link", to: "../../lib")
    var l1 = TarBuilder()
    l1.whiteout("gone")
    l1.file("replaced", "now a file")
    l1.opaque("opt/old")
    l1.symlink("opt/new", to: "old")
    let s = try stack([l0.finished(), l1.finished()])
    #expect(
      s.symlinks().map { "\($0.path) -> \($0.linkTarget ?? "")" } == [
        "lib -> usr/lib", "opt/new -> old", "usr/lib/libz.so.1 -> libz.so.1.2.13",
      ])
    #expect(WalkingResolver(inner: s).symlinks() == s.symlinks())
  }

  @Test func hardLinksDevicesAndFifos() throws {
    var l0 = TarBuilder()
    l0.file("usr/bin/python3.11", [0x7F, 0x45, 0x4C, 0x46] + Array("python".utf8), mode: 0o755)
    l0.hardLink("usr/bin/python3", to: "usr/bin/python3.11")
    l0.device("dev/null")
    l0.device("dev/sda", character: false, major: 8, minor: 0)
    l0.fifo("run/initctl")
    let sel = FileSelector(.binary, magic: [FileSelector.elfMagic])
    let s = try stack([l0.finished()], selectors: [sel])
    #expect(s.entry(at: "usr/bin/python3")?.kind == .hardlink)
    #expect(s.entry(at: "usr/bin/python3")?.size == 10)
    #expect(s.paths(matching: sel) == ["usr/bin/python3", "usr/bin/python3.11"])
    #expect(text(s.contents(at: "usr/bin/python3"))?.hasSuffix("python") == true)
    #expect(s.entry(at: "dev/null")?.kind == .characterDevice)
    #expect(s.entry(at: "dev/sda")?.kind == .blockDevice)
    #expect(s.entry(at: "run/initctl")?.kind == .fifo)
    #expect(s.contents(at: "dev/null") == nil)
  }

  @Test func captureHonoursMagicSizeAndSpoolsLargeFiles() throws {
    let big = [UInt8](repeating: 0x41, count: 300_000)
    var l0 = TarBuilder()
    l0.file("app/a.jar", [0x50, 0x4B, 0x03, 0x04] + big)
    l0.file("app/fake.jar", Array("not a zip".utf8))
    l0.file("app/huge.json", big)
    l0.file("app/small.json", "{}")
    let jar = FileSelector(.suffix(".jar"), magic: [FileSelector.zipMagic])
    let json = FileSelector(.suffix(".json"), maxSize: 1000)
    let tmp = try TemporaryDirectory()
    var spoolDirs: [String] = []
    do {
      let s = try stack(
        [l0.finished()], selectors: [jar, json],
        options: CaptureOptions(memoryThreshold: 1024, temporaryDirectory: tmp.path), chunk: 777)
      #expect(s.paths(matching: jar) == ["app/a.jar"])
      #expect(s.paths(matching: json) == ["app/small.json"])
      let a = try #require(s.contents(at: "app/a.jar"))
      #expect(a.count == big.count + 4)
      #expect(try a.read(at: 0, length: 4) == [0x50, 0x4B, 0x03, 0x04])
      #expect(try a.read(at: 100_000, length: 3) == [0x41, 0x41, 0x41])
      #expect(
        s.diagnostics.contains { $0.code == "capture.too-large" && $0.path == "app/huge.json" })
      spoolDirs = try FileManager.default.contentsOfDirectory(atPath: tmp.path)
      #expect(spoolDirs.count == 1)
      let spooled = try FileManager.default.contentsOfDirectory(
        atPath: tmp.path + "/" + spoolDirs[0])
      #expect(spooled.count == 1)  // the fake jar's spool was dropped, the real one kept
    }
    // The spool directory is removed once the stack is gone.
    #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).isEmpty)
  }

  @Test func captureBudgetIsADiagnostic() throws {
    var l0 = TarBuilder()
    for k in 0..<5 { l0.file("db/\(k).txt", [UInt8](repeating: 1, count: 600)) }
    let sel = FileSelector(.directory("db/"))
    let s = try stack(
      [l0.finished()], selectors: [sel],
      options: CaptureOptions(memoryThreshold: 1000, memoryBudget: 1300, diskBudget: 0))
    #expect(s.paths(matching: sel).count == 2)
    #expect(s.diagnostics.filter { $0.code == "capture.budget" }.count == 3)
  }

  @Test func corruptLayersAreTypedErrors() throws {
    var l0 = TarBuilder()
    l0.file("a", [UInt8](repeating: 1, count: 5000))
    let tar = l0.finished()
    #expect {
      try stack([Array(tar.prefix(3000))])
    } throws: { ($0 as? FileTreeError)?.code == .corruptLayer }
    #expect {
      try stack([[UInt8](repeating: 0x55, count: 1024)])
    } throws: { ($0 as? FileTreeError)?.code == .corruptLayer }
    #expect {
      try stack([tar], options: CaptureOptions(maxEntries: 1))
    } throws: { ($0 as? FileTreeError)?.code == .limitExceeded }
  }

  @Test func manyFilesStayCompact() throws {
    var l0 = TarBuilder()
    for d in 0..<100 {
      for f in 0..<200 { l0.file("usr/share/d\(d)/f\(f)", "") }
    }
    let start = ContinuousClock.now
    let s = try stack([l0.finished()], chunk: 1 << 20)
    #expect(s.count == 20_000 + 100 + 2 + 1)
    #expect(ContinuousClock.now - start < .seconds(20))
  }
}

@Suite struct DirectoryResolverTests {
  @Test func walksWithoutFollowingSymlinks() throws {
    let tmp = try TemporaryDirectory()
    let fm = FileManager.default
    try fm.createDirectory(atPath: tmp.file("root/etc"), withIntermediateDirectories: true)
    try fm.createDirectory(atPath: tmp.file("outside"), withIntermediateDirectories: true)
    try "ID=dir\n".write(
      toFile: tmp.file("root/etc/os-release"), atomically: false, encoding: .utf8)
    try "secret".write(toFile: tmp.file("outside/secret"), atomically: false, encoding: .utf8)
    try fm.createSymbolicLink(
      atPath: tmp.file("root/out"), withDestinationPath: tmp.file("outside"))
    try fm.createSymbolicLink(atPath: tmp.file("root/loop"), withDestinationPath: "loop")
    try fm.createSymbolicLink(atPath: tmp.file("root/rel"), withDestinationPath: "etc/os-release")
    let sel = FileSelector(.basename("os-release"))
    let s = try DirectoryResolver.build(
      root: tmp.file("root"), selectors: [sel, FileSelector(.basename("secret"))])
    #expect(s.paths(matching: sel) == ["etc/os-release"])
    #expect(text(s.contents(at: "rel")) == "ID=dir\n")
    #expect(s.entry(at: "out")?.kind == .symlink)
    #expect(s.contents(at: "out/secret") == nil)  // the absolute link resolves inside the root, where nothing is
    #expect(s.resolve("loop") == nil)
    #expect(s.layers.isEmpty)
  }
}

/// Forwards to a resolver but keeps the protocol's default `symlinks()`.
private struct WalkingResolver: FileResolver {
  let inner: LayerStack
  var layers: [LayerInfo] { inner.layers }
  var diagnostics: [Diagnostic] { inner.diagnostics }
  func entry(at path: String) -> FileEntry? { inner.entry(at: path) }
  func resolve(_ path: String) -> String? { inner.resolve(path) }
  func contents(at path: String) -> (any ByteSource)? { inner.contents(at: path) }
  func history(of path: String) -> [FileVersion] { inner.history(of: path) }
  func paths(matching selector: FileSelector) -> [String] { inner.paths(matching: selector) }
  func children(of directory: String) -> [String] { inner.children(of: directory) }
}
