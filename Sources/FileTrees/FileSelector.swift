/// A cataloger's declaration of the files it wants, made up front so that one streaming walk
/// over each layer captures every file any cataloger needs (DESIGN: "one walk per layer").
///
/// Paths are image paths without a leading slash (`var/lib/dpkg/status`).
public struct FileSelector: Hashable, Sendable {
  public enum Pattern: Hashable, Sendable {
    /// Exactly this path.
    case path(String)
    /// Every file under this directory (the prefix ends with `/`), e.g. `var/lib/dpkg/status.d/`.
    case directory(String)
    /// Files whose last path component equals this, e.g. `package.json`.
    case basename(String)
    /// Files whose path ends with this, e.g. `.jar`, `.dist-info/METADATA`.
    case suffix(String)
    /// Regular files of any name and mode whose first bytes carry one of the selector's
    /// `magic` numbers (binaries: Go, Rust). Mode bits decide nothing: shared libraries are
    /// usually 0644 and carry the same build info as programs (Syft decides by the bytes too).
    case binary
  }

  public var pattern: Pattern
  /// When not empty, the file's first bytes must start with one of these (e.g. ELF `\u{7f}ELF`).
  public var magic: [[UInt8]]
  /// Files larger than this are not captured; the walk records a diagnostic instead.
  public var maxSize: Int64
  /// When not empty, a captured file is kept only if its content contains one of these byte
  /// strings (checked as it streams): every executable is a candidate for the Go and Rust
  /// catalogers, but only those carrying Go build info or a cargo-auditable section are worth
  /// keeping, so the others never reach the disk spool.
  public var contentMarkers: [[UInt8]]
  /// For an ELF file held whole in memory: a section with one of these names stands for the
  /// content markers (Go's `.go.buildinfo` holds its marker, cargo-auditable's section is
  /// named by it), so the file is decided from its section table instead of by searching every
  /// byte. An ELF file with no readable section table is still searched for the markers.
  public var elfSections: [String]

  public init(
    _ pattern: Pattern, magic: [[UInt8]] = [], maxSize: Int64 = 64 << 20,
    contentMarkers: [[UInt8]] = [], elfSections: [String] = []
  ) {
    self.pattern = pattern
    self.magic = magic
    self.maxSize = maxSize
    self.contentMarkers = contentMarkers.filter { !$0.isEmpty }
    self.elfSections = elfSections
  }

  /// Whether `path` matches the pattern; `magic` is checked separately once the first bytes
  /// are known (for `.binary`, every regular file is a candidate until then).
  public func matches(path: String) -> Bool {
    switch pattern {
    case .path(let p): return path == p
    case .directory(let d): return path.hasPrefix(d) && path.utf8.count > d.utf8.count
    case .basename(let b):
      if path == b { return true }
      return path.hasSuffix("/" + b)
    case .suffix(let s): return path.hasSuffix(s)
    case .binary: return true
    }
  }

  /// The number of leading bytes `matchesMagic` needs to decide (the longest magic).
  public var magicLength: Int { magic.map(\.count).max() ?? 0 }

  public func matchesMagic(_ prefix: some Collection<UInt8>) -> Bool {
    magic.isEmpty
      || magic.contains { m in prefix.count >= m.count && prefix.prefix(m.count).elementsEqual(m) }
  }

  public static let elfMagic: [UInt8] = [0x7F, 0x45, 0x4C, 0x46]
  public static let zipMagic: [UInt8] = [0x50, 0x4B, 0x03, 0x04]
  /// Mach-O (32/64, both byte orders, and fat) and PE (`MZ`) magics.
  public static let machOMagics: [[UInt8]] = [
    [0xFE, 0xED, 0xFA, 0xCE], [0xFE, 0xED, 0xFA, 0xCF], [0xCE, 0xFA, 0xED, 0xFE],
    [0xCF, 0xFA, 0xED, 0xFE], [0xCA, 0xFE, 0xBA, 0xBE],
  ]
  public static let peMagic: [UInt8] = [0x4D, 0x5A]
}

/// The selectors of a walk indexed by what they match on, so that each of the thousands of
/// entries of a layer is checked with a couple of dictionary lookups and the few suffix,
/// directory and binary selectors, instead of every selector in turn.
public struct SelectorIndex: Sendable {
  private var byPath: [String: [Int32]] = [:]
  private var byBasename: [String: [Int32]] = [:]
  /// Selectors checked one by one: suffixes, directories, basenames containing `/`.
  private var others: [(Int32, FileSelector)] = []
  private var binaries: [Int32] = []
  public let isEmpty: Bool

  public init(_ selectors: [FileSelector]) {
    isEmpty = selectors.isEmpty
    for (k, s) in selectors.enumerated() {
      let i = Int32(k)
      switch s.pattern {
      case .path(let p): byPath[p, default: []].append(i)
      case .basename(let b) where !b.contains("/"): byBasename[b, default: []].append(i)
      case .binary: binaries.append(i)
      default: others.append((i, s))
      }
    }
  }

  /// Indices (ascending) of the selectors whose pattern matches `path`, as
  /// `FileSelector.matches(path:)` decides.
  public func matching(path: String) -> [Int32] {
    var out: [Int32] = []
    if let hit = byPath[path] { out += hit }
    if !byBasename.isEmpty {
      let name =
        path.utf8.lastIndex(of: UInt8(ascii: "/")).map { path[path.utf8.index(after: $0)...] }
        ?? path[...]
      if let hit = byBasename[String(name)] { out += hit }
    }
    for (i, s) in others where s.matches(path: path) { out.append(i) }
    out += binaries
    if out.count > 1 { out.sort() }
    return out
  }
}
