import ByteFormats
import Catalogers

/// A Debian binary package read from its bytes (`deb(5)`): the control paragraph, the
/// maintainer scripts it carries, and the files of its data archive — without running anything.
///
/// Reading is all-or-nothing: a truncated archive, an unknown compression, or a path that
/// would land outside the image root (`..` components, an absolute hard-link target) refuses
/// the whole package, so a patch is never built from part of one.
public struct DebPackage: Sendable {
  /// One member of `data.tar`, its path relative to the root (no `./`, no leading `/`).
  public struct File: Sendable, Hashable {
    public var entry: TarEntry
    public var data: [UInt8]
  }

  /// `control` as shipped (field order kept, used verbatim for the dpkg database).
  public var controlText: String
  public var control: DpkgStanza
  /// Other files of `control.tar` by name (`md5sums`, `conffiles`, `triggers`, `postinst`, …).
  public var controlFiles: [String: [UInt8]]
  public var files: [File]

  /// Scripts dpkg would run when installing or upgrading (`deb-preinst(5)` and friends).
  public static let scriptNames = ["preinst", "postinst", "prerm", "postrm", "config"]

  public var name: String { control["Package"] ?? "" }
  public var version: String { control["Version"] ?? "" }
  public var architecture: String { control["Architecture"] ?? "all" }
  /// The maintainer scripts this package carries, sorted.
  public var maintainerScripts: [String] {
    Self.scriptNames.filter { controlFiles[$0] != nil }.sorted()
  }
  /// Trigger directives (`activate-noawait ldconfig`), comments dropped.
  public var triggers: [String] {
    String(decoding: controlFiles["triggers"] ?? [], as: UTF8.self).split(separator: "\n")
      .map { $0.trimmingCharacters(in: " \t") }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
  }

  /// Most bytes one decompressed member may hold.
  public static let memberLimit: Int64 = 1 << 30

  public init(parsing bytes: [UInt8], what: String) throws(RemediationError) {
    let ar: ArArchive
    do { ar = try ArArchive(parsing: bytes) } catch {
      throw RemediationError(.package, "\(what): \(error)")
    }
    guard let binary = ar.member("debian-binary"),
      String(decoding: binary.data, as: UTF8.self).hasPrefix("2.")
    else {
      throw RemediationError(.package, "\(what): not a Debian 2.x binary package")
    }
    guard let controlMember = ar.members.first(where: { $0.name.hasPrefix("control.tar") }),
      let dataMember = ar.members.first(where: { $0.name.hasPrefix("data.tar") })
    else {
      throw RemediationError(.package, "\(what): control.tar or data.tar is missing")
    }
    var controlFiles: [String: [UInt8]] = [:]
    for file in try Self.untar(controlMember, what: what) where file.entry.kind == .regular {
      controlFiles[file.entry.path] = file.data
    }
    guard let controlBytes = controlFiles.removeValue(forKey: "control") else {
      throw RemediationError(.package, "\(what): control.tar has no control file")
    }
    let parsed = DpkgControlParser().parse(controlBytes, path: "\(what) control")
    guard let stanza = parsed.stanzas.first, stanza["Package"] != nil, stanza["Version"] != nil
    else {
      throw RemediationError(.package, "\(what): the control file names no Package and Version")
    }
    self.controlText = String(decoding: controlBytes, as: UTF8.self)
    self.control = stanza
    self.controlFiles = controlFiles
    self.files = try Self.untar(dataMember, what: what)
  }

  /// Decompresses and reads one tar member, normalising and checking every path.
  static func untar(_ member: ArArchive.Member, what: String) throws(RemediationError) -> [File] {
    let label = "\(what) \(member.name)"
    let raw = Array(member.data)
    let tar: [UInt8]
    do {
      switch member.name {
      case let n where n.hasSuffix(".xz"):
        guard XzDecoder.isAvailable else {
          throw RemediationError(
            .package,
            "\(label) is xz-compressed and liblzma.so.5 is not installed; install 'liblzma5' to read it"
          )
        }
        tar = try XzDecoder.decompress(raw, limit: memberLimit)
      case let n where n.hasSuffix(".gz"):
        tar = try Inflater.inflate(raw, mode: .gzip, limit: memberLimit)
      case let n where n.hasSuffix(".zst"):
        tar = try ZstdDecoder.decompress(raw, limit: memberLimit)
      case let n where n.hasSuffix(".tar"): tar = raw
      default:
        throw RemediationError(.package, "\(label): unsupported compression (not xz, gzip or zstd)")
      }
    } catch let e as RemediationError {
      throw e
    } catch {
      throw RemediationError(.package, "\(label): \(error)")
    }
    var files: [File] = []
    var parser = TarParser()
    do {
      try parser.push(tar) { event in
        switch event {
        case .entry(let e): files.append(File(entry: e, data: []))
        case .data(let span): files[files.count - 1].data.append(contentsOf: span)
        case .entryEnd, .warning: break
        }
      }
      try parser.finish()
    } catch {
      throw RemediationError(.package, "\(label): truncated or corrupt tar: \(error)")
    }
    var out: [File] = []
    for var file in files {
      guard let path = try normalize(file.entry.path, label: label) else { continue }
      file.entry.path = path
      if file.entry.kind == .hardLink {
        guard let target = try normalize(file.entry.linkName, label: label) else {
          throw RemediationError(.unsafePath, "\(label): hard link \(path) points at the root")
        }
        file.entry.linkName = target
      }
      if file.entry.kind == .regular, Int64(file.data.count) != file.entry.size {
        throw RemediationError(.package, "\(label): \(path) is cut short")
      }
      out.append(file)
    }
    return out
  }

  /// `./usr/lib/x` → `usr/lib/x`; nil for the root itself; throws for `..`, NUL or empty parts
  /// that would leave the root.
  static func normalize(_ raw: String, label: String) throws(RemediationError) -> String? {
    if raw.contains("\u{0}") {
      throw RemediationError(.unsafePath, "\(label): a path contains a NUL byte")
    }
    var parts: [Substring] = []
    for part in raw.split(separator: "/", omittingEmptySubsequences: true) {
      if part == "." { continue }
      if part == ".." {
        throw RemediationError(
          .unsafePath, "\(label): path '\(raw)' escapes the image root ('..'); refusing the package"
        )
      }
      parts.append(part)
    }
    return parts.isEmpty ? nil : parts.joined(separator: "/")
  }
}
