import ByteFormats
import Foundation
import TailguardTesting
import Testing

/// Collects events into values for assertions.
struct TarListing {
  struct Item: Equatable {
    var entry: TarEntry
    var data: [UInt8]
  }
  var items: [Item] = []
  var warnings: [TarWarning] = []

  static func read(_ bytes: [UInt8], chunk: Int = 1 << 20, limits: TarLimits = TarLimits()) throws
    -> TarListing
  {
    var parser = TarParser(limits: limits)
    var listing = TarListing()
    var i = 0
    repeat {
      let j = min(bytes.count, i + chunk)
      try parser.push(bytes[i..<j]) { event in
        switch event {
        case .entry(let e): listing.items.append(Item(entry: e, data: []))
        case .data(let span): listing.items[listing.items.count - 1].data += span
        case .entryEnd: break
        case .warning(let w): listing.warnings.append(w)
        }
      }
      i = j
    } while i < bytes.count
    try parser.finish()
    return listing
  }
}

@Suite struct TarParserTests {
  static let python = FixtureProcess.which("python3") != nil

  /// Python's tarfile writes the archive (each format) and lists it; our parser must agree on
  /// every name, type, size, link name, mode and content digest.
  @Test(
    .enabled(if: Oracles.gate(python), "python3 is not installed"),
    arguments: ["USTAR_FORMAT", "GNU_FORMAT", "PAX_FORMAT"])
  func agreesWithPythonTarfile(format: String) throws {
    let script = """
      import io, sys, tarfile, hashlib, json
      buf = io.BytesIO()
      fmt = getattr(tarfile, sys.argv[1])
      long = "deep/" + "d" * 120 + "/" + "n" * 110 + ".txt"
      entries = []
      with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
          def add(name, typ, data=b"", link="", mode=0o644, dev=(0, 0)):
              ti = tarfile.TarInfo(name); ti.type = typ; ti.mode = mode; ti.mtime = 1700000000
              ti.linkname = link; ti.devmajor, ti.devminor = dev
              if typ == tarfile.REGTYPE: ti.size = len(data)
              t.addfile(ti, io.BytesIO(data) if typ == tarfile.REGTYPE else None)
          add("etc/", tarfile.DIRTYPE, mode=0o755)
          add("etc/os-release", tarfile.REGTYPE, b"ID=debian\\n" * 100)
          add("bin/sh", tarfile.SYMTYPE, link="dash", mode=0o777)
          add("bin/dash", tarfile.REGTYPE, bytes(range(256)) * 4000, mode=0o755)
          add("bin/rbash", tarfile.LNKTYPE, link="bin/dash")
          add("dev/null", tarfile.CHRTYPE, dev=(1, 3), mode=0o666)
          add("run/fifo", tarfile.FIFOTYPE)
          add("empty", tarfile.REGTYPE, b"")
          if sys.argv[1] != "USTAR_FORMAT":
              add(long, tarfile.REGTYPE, b"long")
              add("l/" + "s" * 150, tarfile.SYMTYPE, link="t/" + "x" * 140)
          else:
              add("u/" + "p" * 120 + "/name", tarfile.REGTYPE, b"prefix")
      sys.stdout.buffer.write(buf.getvalue())
      """
    let tar = try FixtureProcess.run("python3", ["-c", script, format])
    let list = """
      import sys, tarfile, io, hashlib
      t = tarfile.open(fileobj=io.BytesIO(sys.stdin.buffer.read()))
      for m in t.getmembers():
          d = t.extractfile(m).read() if m.isreg() else b""
          print("%s|%s|%d|%s|%o|%s" % (m.name, m.type.decode(), m.size if m.isreg() else 0, m.linkname, m.mode, hashlib.sha256(d).hexdigest()))
      """
    let expected = String(
      decoding: try FixtureProcess.run("python3", ["-c", list], stdin: tar), as: UTF8.self
    )
    .split(separator: "\n").map(String.init)
    for chunk in [tar.count, 4096, 511, 3] {
      let got = try TarListing.read(tar, chunk: chunk)
      let lines = got.items.map { item -> String in
        let t: String
        switch item.entry.kind {
        case .regular: t = "0"
        case .hardLink: t = "1"
        case .symlink: t = "2"
        case .characterDevice: t = "3"
        case .blockDevice: t = "4"
        case .directory: t = "5"
        case .fifo: t = "6"
        case .other(let f): t = String(UnicodeScalar(f))
        }
        let name =
          item.entry.kind == .directory && item.entry.path.hasSuffix("/")
          ? String(item.entry.path.dropLast()) : item.entry.path
        return
          "\(name)|\(t)|\(item.entry.size)|\(item.entry.linkName)|\(String(item.entry.mode, radix: 8))|\(FixtureDigest.sha256Hex(item.data))"
      }
      #expect(lines == expected, "format \(format), chunk \(chunk)")
      #expect(got.warnings.isEmpty)
    }
  }

  @Test func devicesAndGlobalPax() throws {
    var b = TarBuilder()
    b.globalPax([("mtime", "1234.5")])
    b.device("dev/sda", character: false, major: 8, minor: 0)
    b.file("a", "x")
    let got = try TarListing.read(b.finished())
    #expect(got.items.map(\.entry.path) == ["dev/sda", "a"])
    #expect(got.items[0].entry.kind == .blockDevice)
    #expect(got.items[0].entry.devMajor == 8)
    #expect(got.items[1].entry.mtime == 1234)
  }

  @Test func gnuLongNamesFromBuilder() throws {
    var b = TarBuilder(longNames: .gnu)
    let long = String(repeating: "a/", count: 80) + "file"
    b.file(long, "hello")
    b.symlink("link", to: String(repeating: "t", count: 200))
    let got = try TarListing.read(b.finished())
    #expect(got.items.map(\.entry.path) == [long, "link"])
    #expect(got.items[0].data == Array("hello".utf8))
    #expect(got.items[1].entry.linkName.count == 200)
  }

  @Test func truncatedArchivesAreErrors() throws {
    var b = TarBuilder()
    b.file("a", [UInt8](repeating: 7, count: 3000))
    let full = b.finished()
    for cut in [100, 512 + 1000, 512 + 2999] {
      do {
        _ = try TarListing.read(Array(full.prefix(cut)))
        Issue.record("cut at \(cut) accepted")
      } catch let e as ByteFormatError {
        #expect(e.code == .truncated, "cut \(cut): \(e)")
      }
    }
    // Ending at a header boundary without an end marker is accepted (GNU tar, Go).
    #expect(try TarListing.read(b.bytes).items.count == 1)
  }

  @Test func checksumsAndLimits() throws {
    var bad = TarBuilder()
    bad.raw("x", type: "0", size: 0, badChecksum: true)
    #expect {
      try TarListing.read(bad.finished())
    } throws: { ($0 as? ByteFormatError)?.code == .malformed }

    // Not a tar at all.
    #expect(throws: ByteFormatError.self) {
      try TarListing.read([UInt8](repeating: 0x41, count: 2048))
    }

    var big = TarBuilder()
    big.file("huge", [], declaredSize: 1 << 33)
    #expect {
      try TarListing.read(big.finished(), limits: TarLimits(maxEntrySize: 1 << 30))
    } throws: { ($0 as? ByteFormatError)?.code == .limitExceeded }
    // Within limits, a lying size is a truncation.
    #expect {
      try TarListing.read(big.finished())
    } throws: { ($0 as? ByteFormatError)?.code == .truncated }

    var long = TarBuilder()
    long.file(String(repeating: "p/", count: 2100), "x")
    #expect {
      try TarListing.read(long.finished())
    } throws: { ($0 as? ByteFormatError)?.code == .limitExceeded }

    var many = TarBuilder()
    for k in 0..<20 { many.file("f\(k)", "") }
    #expect {
      try TarListing.read(many.finished(), limits: TarLimits(maxHeaders: 10))
    } throws: { ($0 as? ByteFormatError)?.code == .limitExceeded }
  }

  @Test func sparseAndUnknownTypesAreWarnings() throws {
    var b = TarBuilder()
    b.raw("sparse", type: "S", size: 600, contents: [UInt8](repeating: 1, count: 600))
    b.raw("weird", type: "Z", size: 10, contents: [UInt8](repeating: 2, count: 10))
    b.file("after", "ok")
    let got = try TarListing.read(b.finished())
    #expect(got.items.map(\.entry.path) == ["after"])
    #expect(got.items[0].data == Array("ok".utf8))
    #expect(got.warnings.map(\.code) == ["tar.sparse", "tar.unknown-type"])
  }

  @Test func malformedPaxIsAnError() throws {
    var b = TarBuilder()
    let body = Array("99 path=x\n".utf8)
    b.raw("pax", type: "x", size: Int64(body.count), contents: body)
    b.file("a", "x")
    #expect {
      try TarListing.read(b.finished())
    } throws: { ($0 as? ByteFormatError)?.code == .malformed }
  }
}
