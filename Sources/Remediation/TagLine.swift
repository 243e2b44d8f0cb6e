/// Base-image tags in the same line as the one an image is built on, as Renovate's docker
/// versioning reads them: a tag is a version (`12.5`, `3.19.1`, `22.04`) or a release codename
/// (`bookworm`) plus a suffix (`-slim`, `-alpine`); a candidate must keep the suffix and the
/// number of version parts, be newer, not be past its end of life, and never move an LTS line to
/// a non-LTS release.
public enum TagLine {
  /// One release cycle of the base's distribution or runtime (endoflife.date `releases[]`).
  public struct Release: Sendable, Hashable {
    public var cycle: String
    public var codename: String?
    public var lts: Bool
    /// The end of security support (`YYYY-MM-DD`), or `true`/`false` as endoflife.date writes it.
    public var eol: String?
    public init(cycle: String, codename: String? = nil, lts: Bool = false, eol: String? = nil) {
      self.cycle = cycle
      self.codename = codename
      self.lts = lts
      self.eol = eol
    }
    func isEndOfLife(asOf: String) -> Bool {
      guard let eol else { return false }
      if eol == "true" { return true }
      if eol == "false" { return false }
      return eol <= asOf
    }
  }

  /// A tag read as version parts (or a codename's cycle) and suffix.
  public struct Tag: Sendable, Hashable {
    public var text: String
    public var numbers: [Int]
    /// The version parts as written (`22.04` keeps its zero: it names the cycle).
    public var parts: [String]
    public var suffix: String
    public var codename: String?
  }

  /// `12.5-slim` → ([12, 5], "-slim"); `bookworm-slim` → codename `bookworm`, numbers of its
  /// cycle; nil for tags that are neither (`latest`, a digest, a date).
  public static func parse(_ text: String, releases: [Release]) -> Tag? {
    let body = text.hasPrefix("v") ? Substring(text.dropFirst()) : Substring(text)
    let digits = body.prefix { $0.isNumber || $0 == "." }
    if !digits.isEmpty, digits.first?.isNumber == true, digits.last?.isNumber == true {
      let parts = digits.split(separator: ".").map(String.init)
      return Tag(
        text: text, numbers: parts.compactMap { Int($0) }, parts: parts,
        suffix: String(body.dropFirst(digits.count)))
    }
    let word = text.prefix { $0.isLetter }.lowercased()
    guard !word.isEmpty,
      let release = releases.first(where: {
        $0.codename.map { $0.lowercased().split(separator: " ").first.map(String.init) == word }
          ?? false
      })
    else { return nil }
    let parts = release.cycle.split(separator: ".").map(String.init)
    return Tag(
      text: text, numbers: parts.compactMap { Int($0) }, parts: parts,
      suffix: String(text.dropFirst(word.count)), codename: word)
  }

  /// The release cycle a tag belongs to: the longest prefix of its parts that names a cycle.
  static func release(of tag: Tag, in releases: [Release]) -> Release? {
    for n in stride(from: tag.parts.count, through: 1, by: -1) {
      let cycle = tag.parts.prefix(n).joined(separator: ".")
      if let r = releases.first(where: { $0.cycle == cycle }) { return r }
    }
    return nil
  }

  /// Candidates newer than `current` among `tags`, newest first, and every tag of the line left
  /// out with the reason (end of life, LTS → non-LTS).
  public static func candidates(
    current: String, tags: [String], releases: [Release], asOf: String
  ) -> (candidates: [String], skipped: [(tag: String, reason: String)]) {
    guard let now = parse(current, releases: releases) else { return ([], []) }
    let nowRelease = release(of: now, in: releases)
    var out: [Tag] = []
    var skipped: [(String, String)] = []
    for text in tags where text != current {
      guard let tag = parse(text, releases: releases), tag.suffix == now.suffix,
        (tag.codename == nil) == (now.codename == nil),
        tag.numbers.count == now.numbers.count || now.codename != nil,
        tag.numbers.lexicographicallyPrecedes(now.numbers) == false, tag.numbers != now.numbers
      else { continue }
      let r = release(of: tag, in: releases)
      if let r, r.isEndOfLife(asOf: asOf) {
        skipped.append((text, "release \(r.cycle) is end-of-life (\(r.eol ?? ""))"))
        continue
      }
      if nowRelease?.lts == true, r?.lts != true {
        skipped.append((text, "release \(r?.cycle ?? "?") is not LTS; the image is on an LTS line"))
        continue
      }
      out.append(tag)
    }
    out.sort { $1.numbers.lexicographicallyPrecedes($0.numbers) }
    return (out.map(\.text), skipped.sorted { $0.0 < $1.0 })
  }
}
