import Foundation
import TailguardModel

/// What the user named on the command line: `oci:DIR[:tag|@digest]`, `docker-archive:FILE[:tag]`,
/// `dir:PATH`, `registry:REF`, `sbom:FILE`, or a bare argument detected from what is on disk
/// (a directory with `index.json` is a layout, another directory a root filesystem, a tar or
/// gzip file an archive, a JSON file an SBOM, anything else a registry reference).
public enum ImageTarget: Hashable, Sendable, CustomStringConvertible {
  case ociLayout(directory: String, reference: OCILayoutSource.Reference?)
  case dockerArchive(path: String, tag: String?)
  case directory(String)
  case registry(String)
  case sbom(String)

  public var description: String {
    switch self {
    case .ociLayout(let d, let r):
      switch r {
      case .tag(let t): return "oci:\(d):\(t)"
      case .digest(let g): return "oci:\(d)@\(g)"
      case nil: return "oci:\(d)"
      }
    case .dockerArchive(let p, let t): return "docker-archive:\(p)" + (t.map { ":\($0)" } ?? "")
    case .directory(let p): return "dir:\(p)"
    case .registry(let r): return "registry:\(r)"
    case .sbom(let p): return "sbom:\(p)"
    }
  }

  public static func parse(_ text: String) throws(ImageSourceError) -> ImageTarget {
    guard !text.isEmpty, text.utf8.count <= 4096 else {
      throw ImageSourceError(.malformed, "target must be 1 to 4096 bytes long")
    }
    if let rest = text.dropPrefix("oci:") { return try parseOCI(rest) }
    if let rest = text.dropPrefix("oci-archive:") {
      throw ImageSourceError(
        .unsupported,
        "oci-archive targets are not supported; unpack to a directory and use oci:\(rest)")
    }
    if let rest = text.dropPrefix("docker-archive:") {
      guard !rest.isEmpty else {
        throw ImageSourceError(.malformed, "docker-archive: needs a file path")
      }
      let (path, tag) = splitExisting(rest, wantDirectory: false)
      return .dockerArchive(path: path, tag: tag)
    }
    if let rest = text.dropPrefix("dir:") {
      guard !rest.isEmpty else { throw ImageSourceError(.malformed, "dir: needs a directory path") }
      return .directory(rest)
    }
    if let rest = text.dropPrefix("registry:") {
      guard !rest.isEmpty else {
        throw ImageSourceError(.malformed, "registry: needs an image reference")
      }
      return .registry(rest)
    }
    if let rest = text.dropPrefix("docker://") { return .registry(rest) }
    if let rest = text.dropPrefix("sbom:") {
      guard !rest.isEmpty else { throw ImageSourceError(.malformed, "sbom: needs a file path") }
      return .sbom(rest)
    }
    // Detection.
    var isDir: ObjCBool = false
    if FileManager.default.fileExists(atPath: text, isDirectory: &isDir) {
      if isDir.boolValue {
        return FileManager.default.fileExists(atPath: text + "/index.json")
          ? .ociLayout(directory: text, reference: nil) : .directory(text)
      }
      let head = (try? FileBlobReader(path: text, offset: 0, length: nil).nextChunk()) ?? []
      if head.starts(with: [0x1F, 0x8B]) || Self.looksLikeTar(head) {
        return .dockerArchive(path: text, tag: nil)
      }
      if let first = head.first(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }),
        first == UInt8(ascii: "{") || first == UInt8(ascii: "<")
      {
        return .sbom(text)
      }
      throw ImageSourceError(
        .unsupported, "\(text) is a file but neither a tar archive nor an SBOM", path: text)
    }
    // An OCI layout with a tag, without the prefix (`DIR:tag`).
    let (dir, tag) = splitExisting(text, wantDirectory: true)
    if let tag, FileManager.default.fileExists(atPath: dir + "/index.json") {
      return .ociLayout(directory: dir, reference: .tag(tag))
    }
    return .registry(text)
  }

  static func parseOCI(_ rest: String) throws(ImageSourceError) -> ImageTarget {
    guard !rest.isEmpty else { throw ImageSourceError(.malformed, "oci: needs a layout directory") }
    var isDir: ObjCBool = false
    if FileManager.default.fileExists(atPath: rest, isDirectory: &isDir), isDir.boolValue {
      return .ociLayout(directory: rest, reference: nil)
    }
    if let at = rest.lastIndex(of: "@") {
      let digestText = String(rest[rest.index(after: at)...])
      do {
        let d = try Digest(parsing: digestText)
        return .ociLayout(directory: String(rest[..<at]), reference: .digest(d))
      } catch {
        throw ImageSourceError(.malformed, "oci: \(error.message)")
      }
    }
    if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
      let tag = String(rest[rest.index(after: colon)...])
      guard !tag.isEmpty else { throw ImageSourceError(.malformed, "oci: empty tag") }
      return .ociLayout(directory: String(rest[..<colon]), reference: .tag(tag))
    }
    return .ociLayout(directory: rest, reference: nil)
  }

  /// Splits `PATH:REST` at the first `:` where PATH exists (tags may themselves hold `:`).
  static func splitExisting(_ text: String, wantDirectory: Bool) -> (String, String?) {
    var idx = text.startIndex
    while let colon = text[idx...].firstIndex(of: ":") {
      let candidate = String(text[..<colon])
      var isDir: ObjCBool = false
      if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDir),
        isDir.boolValue == wantDirectory
      {
        let tag = String(text[text.index(after: colon)...])
        return (candidate, tag.isEmpty ? nil : tag)
      }
      idx = text.index(after: colon)
    }
    return (text, nil)
  }

  static func looksLikeTar(_ head: [UInt8]) -> Bool {
    guard head.count >= 512 else { return false }
    return head[257..<262].elementsEqual(Array("ustar".utf8)) || head[156] == UInt8(ascii: "0")
      || head[156] == UInt8(ascii: "5")
  }

  /// The source for this target. Registry and SBOM targets are read elsewhere (the registry
  /// client, the SBOM importer); here they are a clear error.
  public func makeSource(platform: Platform? = nil) throws(ImageSourceError) -> any ImageSource {
    switch self {
    case .ociLayout(let d, let r):
      return OCILayoutSource(directory: d, reference: r, platform: platform, target: description)
    case .dockerArchive(let p, let t):
      return DockerArchiveSource(path: p, tag: t, platform: platform, target: description)
    case .directory(let p): return DirectorySource(root: p, target: description)
    case .registry(let r):
      throw ImageSourceError(
        .unsupported,
        "registry sources are not available yet (target '\(r)'); save the image with 'skopeo copy docker://\(r) oci:DIR:TAG' and use oci:DIR:TAG"
      )
    case .sbom(let p):
      throw ImageSourceError(
        .unsupported,
        "\(p) is an SBOM file, not an image; SBOM import is handled by the sbom commands")
    }
  }
}

extension String {
  fileprivate func dropPrefix(_ prefix: String) -> String? {
    hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
  }
}
