/// The fields of an installed package that the rpm cataloger reports, read from one header blob.
/// `rpm -qa --qf '%{NAME} %{EPOCHNUM} %{VERSION} %{RELEASE} %{ARCH} %{SOURCERPM} %{VENDOR}'`
/// prints the same values.
public struct RpmPackageInfo: Sendable, Hashable {
  public var name: String
  /// Nil when the header has no EPOCH tag (`rpm -qa` prints `(none)`, `EPOCHNUM` prints 0).
  public var epoch: Int?
  public var version: String
  public var release: String
  public var architecture: String?
  public var sourceRpm: String?
  public var vendor: String?
  public var license: String?
  public var modularityLabel: String?
  /// Owned paths (DIRNAMES[DIRINDEXES[i]] + BASENAMES[i], or the pre-4.x OLDFILENAMES), without a leading slash.
  public var files: [String]
  /// Why some or all file entries were dropped (mismatched BASENAMES/DIRNAMES/DIRINDEXES);
  /// the package itself is still reported.
  public var fileTableProblem: ByteFormatError?

  public init(
    name: String, epoch: Int? = nil, version: String, release: String, architecture: String? = nil,
    sourceRpm: String? = nil, vendor: String? = nil, license: String? = nil,
    modularityLabel: String? = nil, files: [String] = []
  ) {
    self.name = name
    self.epoch = epoch
    self.version = version
    self.release = release
    self.architecture = architecture
    self.sourceRpm = sourceRpm
    self.vendor = vendor
    self.license = license
    self.modularityLabel = modularityLabel
    self.files = files
  }

  /// Reads a header. Throws when NAME, VERSION or RELEASE is missing (the record does not
  /// describe a package). Damaged file tables only cost the file entries they spoil
  /// (`fileTableProblem`).
  public init(header: RpmHeader) throws(ByteFormatError) {
    guard let name = header.string(RpmTag.name), !name.isEmpty else {
      throw ByteFormatError(.malformed, "rpm header has no NAME")
    }
    guard let version = header.string(RpmTag.version) else {
      throw ByteFormatError(.malformed, "rpm header for '\(name.prefix(200))' has no VERSION")
    }
    guard let release = header.string(RpmTag.release) else {
      throw ByteFormatError(.malformed, "rpm header for '\(name.prefix(200))' has no RELEASE")
    }
    self.name = name
    self.version = version
    self.release = release
    self.epoch = header.integer(RpmTag.epoch).flatMap { Int(exactly: $0) }
    self.architecture = header.string(RpmTag.arch)
    self.sourceRpm = header.string(RpmTag.sourceRpm)
    self.vendor = header.string(RpmTag.vendor)
    self.license = header.string(RpmTag.license)
    self.modularityLabel = header.string(RpmTag.modularityLabel)
    (self.files, self.fileTableProblem) = Self.files(of: header, name: name)
  }

  /// Parses a header blob and reads its package fields.
  public init(parsing blob: [UInt8], limits: RpmHeader.Limits = RpmHeader.Limits())
    throws(ByteFormatError)
  {
    try self.init(header: RpmHeader(parsing: blob, limits: limits))
  }

  /// `epoch:version-release`, epoch only when the header sets it (the form rpm prints for `%{EVR}`).
  public var evr: String {
    (epoch.map { "\($0):" } ?? "") + version + "-" + release
  }

  /// Name, version and release of the source rpm, parsed from `name-version-release.src.rpm`
  /// (name may contain dashes; version and release may not).
  public var sourcePackage: (name: String, version: String, release: String)? {
    guard var s = sourceRpm, !s.isEmpty else { return nil }
    for suffix in [".src.rpm", ".nosrc.rpm"] where s.hasSuffix(suffix) {
      s.removeLast(suffix.count)
      break
    }
    guard let lastDash = s.lastIndex(of: "-") else { return nil }
    let release = String(s[s.index(after: lastDash)...])
    let head = s[..<lastDash]
    guard let versionDash = head.lastIndex(of: "-") else { return nil }
    let version = String(head[head.index(after: versionDash)...])
    let name = String(head[..<versionDash])
    guard !name.isEmpty, !version.isEmpty, !release.isEmpty else { return nil }
    return (name, version, release)
  }

  private static func files(of header: RpmHeader, name: String) -> ([String], ByteFormatError?) {
    guard let baseNames = header.stringArray(RpmTag.baseNames) else {
      if let old = header.stringArray(RpmTag.oldFilenames) { return (old.map(Self.imagePath), nil) }
      return ([], nil)
    }
    guard let dirNames = header.stringArray(RpmTag.dirNames),
      let indexes = header.integers(RpmTag.dirIndexes),
      indexes.count == baseNames.count
    else {
      return (
        [],
        ByteFormatError(
          .malformed,
          "rpm header for '\(name.prefix(200))': BASENAMES without matching DIRNAMES/DIRINDEXES")
      )
    }
    var out: [String] = []
    out.reserveCapacity(baseNames.count)
    var problem: ByteFormatError?
    for (i, base) in baseNames.enumerated() {
      let index = indexes[i]
      guard index >= 0, index < dirNames.count else {
        if problem == nil {
          problem = ByteFormatError(
            .outOfBounds,
            "rpm header for '\(name.prefix(200))': DIRINDEXES[\(i)] = \(index) outside \(dirNames.count) directories; entry dropped"
          )
        }
        continue
      }
      out.append(Self.imagePath(dirNames[Int(index)] + base))
    }
    return (out, problem)
  }

  private static func imagePath(_ p: String) -> String {
    var s = Substring(p)
    while s.hasPrefix("/") { s = s.dropFirst() }
    return String(s)
  }
}
