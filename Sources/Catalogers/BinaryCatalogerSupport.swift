import ByteFormats
import FileTrees
import TailguardModel

/// Helpers the language and binary catalogers share: layer attribution of the evidence file,
/// diagnostics in one shape, and the size bounds for files they read whole.
enum BinaryCatalogerSupport {
  /// Largest text manifest read whole (METADATA, package.json, PKG-INFO).
  static let maxManifestSize = 8 << 20

  /// The layer that wrote the evidence file the container sees: a package is introduced by
  /// the layer that declares it.
  static func layer(of path: String, in resolver: any FileResolver) -> (
    digest: Digest?, index: Int?
  ) {
    guard
      let entry = resolver.entry(at: path)
        ?? resolver.resolve(path).flatMap({ resolver.entry(at: $0) })
    else {
      return (nil, nil)
    }
    let index = entry.changedInLayer
    guard index >= 0, index < resolver.layers.count else {
      return (nil, resolver.layers.isEmpty ? nil : index)
    }
    return (resolver.layers[index].digest, index)
  }

  static func diagnostic(
    _ level: Diagnostic.Level, _ code: String, _ message: String, source: String, path: String,
    resolver: any FileResolver
  ) -> Diagnostic {
    Diagnostic(
      level, code: code, message, source: source, path: path,
      layer: layer(of: path, in: resolver).digest)
  }

  /// Reads a whole small file as UTF-8 text (lossy), with a bound.
  static func text(at path: String, in resolver: any FileResolver, limit: Int = maxManifestSize)
    throws(ByteFormatError) -> String?
  {
    guard let source = resolver.contents(at: path) else { return nil }
    return String(decoding: try source.readAll(limit: limit), as: UTF8.self)
  }

  /// Image path of `relative` against `directory`, with `.` and `..` resolved and clamped at the root.
  static func join(_ directory: String, _ relative: String) -> String {
    PathNormalizer.clean(
      relative.hasPrefix("/") || directory.isEmpty ? relative : directory + "/" + relative)
  }

  static func parent(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "" }
    return String(path[..<slash])
  }

  static func basename(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
  }
}

extension BinaryCatalogerSupport {
  /// Files of any name and mode with an ELF, Mach-O or PE magic (programs and shared
  /// libraries alike: a `.so` built with cargo-auditable or Go's `-buildmode=c-shared` carries
  /// the same build info and is usually mode 0644), up to 1 GiB (large files are spooled, and only
  /// their headers and a few sections are read), kept only when they carry Go build info
  /// (`\xff Go buildinf:`) or a cargo-auditable section name (`.dep-v0`, Mach-O `__dep_v0`):
  /// the other executables of an image are dropped as they stream instead of being spooled.
  static let executableSelector = FileSelector(
    .binary, magic: [FileSelector.elfMagic] + FileSelector.machOMagics + [FileSelector.peMagic],
    maxSize: 1 << 30,
    contentMarkers: [GoBuildInfo.magic, Array(".dep-v0".utf8), Array("__dep_v0".utf8)],
    elfSections: [".go.buildinfo", ".dep-v0"])

  /// purl namespace and name of a Go module path: the last element is the name.
  static func golangPURL(path: String, version: String) -> PackageURL {
    guard let slash = path.lastIndex(of: "/") else {
      return PackageURL(type: "golang", name: path, version: version)
    }
    return PackageURL(
      type: "golang", namespace: String(path[..<slash]),
      name: String(path[path.index(after: slash)...]),
      version: version)
  }
}
