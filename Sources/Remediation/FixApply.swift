import Foundation
import TailguardModel
import VersionSchemes

/// The files `fix apply` rewrites, by name: what a person would otherwise edit by hand.
public enum ManifestKind: String, Sendable, Hashable, Codable {
  /// `Dockerfile`, `Containerfile`, `*.Dockerfile`, `Dockerfile.*`: the `FROM` lines.
  case dockerfile
  /// `requirements*.txt`: exact `name==version` pins.
  case requirements
  /// `package.json`: exact versions in `dependencies`, `devDependencies`, `optionalDependencies`.
  case packageJSON = "package.json"

  /// The kind of a file by its base name, nil for files `fix apply` does not edit.
  public static func of(fileNamed name: String) -> ManifestKind? {
    let lower = name.lowercased()
    if lower == "dockerfile" || lower == "containerfile" || lower.hasSuffix(".dockerfile")
      || lower.hasPrefix("dockerfile.") || lower.hasPrefix("containerfile.")
    {
      return .dockerfile
    }
    if lower.hasPrefix("requirements"), lower.hasSuffix(".txt") { return .requirements }
    if lower == "package.json" { return .packageJSON }
    return nil
  }
}

/// One file as `fix apply` would leave it: the original bytes, the edited bytes (equal when
/// nothing applied), what changed and what was left alone with the reason.
public struct FileEdit: Sendable, Hashable {
  public var path: String
  public var kind: ManifestKind
  public var original: [UInt8]
  public var edited: [UInt8]
  /// `name from -> to` per rewritten pin or `FROM` line, with its line number.
  public var changes: [String]
  /// Pins that match an action but were left alone (ranges, hashes, variables), with the reason.
  public var notes: [String]
  public var changed: Bool { original != edited }
}

/// Rewrites the versions a fix plan names in Dockerfiles, `requirements*.txt` and `package.json`.
/// Only the bytes of the changed versions change: line endings, comments, spacing, key order and
/// everything else stay byte-identical.
public enum FixApply {
  /// A byte range of the original and what replaces it.
  struct Replacement {
    var range: Range<Int>
    var bytes: [UInt8]
  }

  /// The edit of one file. Throws when the file is not text (NUL bytes or invalid UTF-8) or, for
  /// `package.json`, not valid JSON.
  public static func edit(
    _ bytes: [UInt8], kind: ManifestKind, path: String, plan: FixPlan
  ) throws(RemediationError) -> FileEdit {
    if bytes.contains(0) || String(validating: bytes, as: UTF8.self) == nil {
      throw RemediationError(.edit, "\(path) is not a text file (NUL bytes or invalid UTF-8)")
    }
    var changes: [String] = []
    var notes: [String] = []
    let replacements: [Replacement]
    switch kind {
    case .dockerfile:
      replacements = dockerfile(bytes, plan: plan, changes: &changes, notes: &notes)
    case .requirements:
      replacements = requirements(bytes, plan: plan, changes: &changes, notes: &notes)
    case .packageJSON:
      replacements = try packageJSON(
        bytes, path: path, plan: plan, changes: &changes, notes: &notes)
    }
    var edited = bytes
    for r in replacements.sorted(by: { $0.range.lowerBound > $1.range.lowerBound }) {
      edited.replaceSubrange(r.range, with: r.bytes)
    }
    return FileEdit(
      path: path, kind: kind, original: bytes, edited: edited, changes: changes, notes: notes)
  }

  // MARK: Lines

  /// Lines as byte ranges without their `\n` (a `\r` before it stays in the range; callers trim).
  static func lines(_ bytes: [UInt8]) -> [Range<Int>] {
    var out: [Range<Int>] = []
    var start = 0
    for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") {
      out.append(start..<i)
      start = i + 1
    }
    if start < bytes.count { out.append(start..<bytes.count) }
    return out
  }

  static func isSpace(_ b: UInt8) -> Bool {
    b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r")
  }

  static func text(_ bytes: [UInt8], _ r: Range<Int>) -> String {
    String(decoding: bytes[r], as: UTF8.self)
  }

  // MARK: Dockerfile

  /// `debian`, `docker.io/library/debian`, `index.docker.io/library/debian` → `debian`.
  static func normalizedRepository(_ repo: String) -> String {
    var r = repo.lowercased()
    for prefix in ["docker.io/", "index.docker.io/", "registry-1.docker.io/"]
    where r.hasPrefix(prefix) {
      r = String(r.dropFirst(prefix.count))
    }
    if r.hasPrefix("library/") { r = String(r.dropFirst("library/".count)) }
    return r
  }

  /// `repo[:tag][@digest]` → (repo, tag, digest); the tag colon is the last one after the last `/`.
  public static func splitReference(_ ref: String) -> (
    repository: String, tag: String?, digest: String?
  ) {
    var rest = Substring(ref)
    var digest: String?
    if let at = rest.firstIndex(of: "@") {
      digest = String(rest[rest.index(after: at)...])
      rest = rest[..<at]
    }
    let slash = rest.lastIndex(of: "/") ?? rest.startIndex
    if let colon = rest[slash...].lastIndex(of: ":") {
      return (String(rest[..<colon]), String(rest[rest.index(after: colon)...]), digest)
    }
    return (String(rest), nil, digest)
  }

  /// `FROM [--flag…] IMAGE …` lines whose image is the plan's base, and `ARG NAME=IMAGE`
  /// defaults naming it (what a `FROM ${NAME}` line is built from): the tag (and any digest)
  /// becomes the recommended `tag@digest`.
  static func dockerfile(
    _ bytes: [UInt8], plan: FixPlan, changes: inout [String], notes: inout [String]
  ) -> [Replacement] {
    let bumps = plan.actions.filter { $0.kind == .baseImageBump && $0.base != nil }
    guard !bumps.isEmpty else { return [] }
    var out: [Replacement] = []
    var variableFroms: [String] = []
    for (number, line) in lines(bytes).enumerated() {
      var i = line.lowerBound
      while i < line.upperBound, isSpace(bytes[i]) { i += 1 }
      guard line.upperBound - i > 4, isSpace(bytes[i + 3]) || isSpace(bytes[i + 4]) else {
        continue
      }
      let keyword: String
      if text(bytes, i..<(i + 4)).uppercased() == "FROM", isSpace(bytes[i + 4]) {
        keyword = "FROM"
        i += 4
      } else if text(bytes, i..<(i + 3)).uppercased() == "ARG", isSpace(bytes[i + 3]) {
        keyword = "ARG"
        i += 3
      } else {
        continue
      }
      // FROM: flags (`--platform=…`), then the image. ARG: `NAME=value`, value maybe quoted.
      var refRange: Range<Int>?
      while i < line.upperBound {
        while i < line.upperBound, isSpace(bytes[i]) { i += 1 }
        var j = i
        while j < line.upperBound, !isSpace(bytes[j]) { j += 1 }
        guard j > i else { break }
        if bytes[i] == UInt8(ascii: "-"), j - i > 2, bytes[i + 1] == UInt8(ascii: "-") {
          i = j
          continue
        }
        refRange = i..<j
        break
      }
      guard var refRange else { continue }
      if keyword == "ARG" {
        guard let eq = bytes[refRange].firstIndex(of: UInt8(ascii: "=")) else { continue }
        var lo = eq + 1
        var hi = refRange.upperBound
        if hi - lo >= 2, bytes[lo] == bytes[hi - 1],
          bytes[lo] == UInt8(ascii: "\"") || bytes[lo] == UInt8(ascii: "'")
        {
          lo += 1
          hi -= 1
        }
        guard hi > lo else { continue }
        refRange = lo..<hi
      }
      let ref = text(bytes, refRange)
      if keyword == "FROM", ref.contains("$") {
        variableFroms.append("line \(number + 1): FROM \(ref)")
        continue
      }
      let parts = splitReference(ref)
      for bump in bumps {
        guard let base = bump.base,
          normalizedRepository(parts.repository) == normalizedRepository(base.repository)
        else { continue }
        let place = "line \(number + 1)"
        let current = splitReference(bump.from).tag ?? bump.from
        if (parts.tag ?? "latest") != current {
          notes.append(
            "\(place): \(keyword) \(ref) is not on \(bump.from), the tag the plan was made for; left alone"
          )
          continue
        }
        let start = refRange.lowerBound + Array(parts.repository.utf8).count
        out.append(
          Replacement(range: start..<refRange.upperBound, bytes: Array((":" + bump.to).utf8)))
        changes.append("\(place): \(keyword) \(ref) -> \(parts.repository):\(bump.to)")
      }
    }
    if out.isEmpty, let bump = bumps.first {
      for from in variableFroms {
        notes.append(
          "\(from) uses a build argument whose default does not name \(bump.from); left alone (build it with \(bump.base?.repository ?? ""):\(bump.to))"
        )
      }
    }
    return out
  }

  // MARK: requirements*.txt

  /// PEP 503 normalization: lowercase, runs of `-`, `_`, `.` become one `-`.
  static func pep503(_ name: String) -> String {
    var out = ""
    var lastDash = false
    for c in name.lowercased() {
      if c == "-" || c == "_" || c == "." {
        if !lastDash { out.append("-") }
        lastDash = true
      } else {
        out.append(c)
        lastDash = false
      }
    }
    return out
  }

  /// The upgrade actions of one ecosystem by the key the file uses for names.
  static func upgrades(_ plan: FixPlan, _ ecosystem: Ecosystem, key: (String) -> String)
    -> [String: FixPlan.Action]
  {
    var out: [String: FixPlan.Action] = [:]
    for a in plan.actions where a.kind == .packageUpgrade {
      guard let p = a.package, p.ecosystem == ecosystem else { continue }
      out[key(p.name)] = a
    }
    return out
  }

  /// Whether `pinned` should move to `action.to`: only upward, in the package's version scheme.
  static func shouldRaise(_ pinned: String, to: String, ecosystem: Ecosystem) -> Bool? {
    let kind = VersionSchemeKind(ecosystem: ecosystem)
    guard let c = try? kind.compare(pinned, to) else { return nil }
    return c < 0
  }

  static func requirements(
    _ bytes: [UInt8], plan: FixPlan, changes: inout [String], notes: inout [String]
  ) -> [Replacement] {
    let actions = upgrades(plan, .pypi, key: pep503)
    guard !actions.isEmpty else { return [] }
    var out: [Replacement] = []
    let all = lines(bytes)
    for (number, line) in all.enumerated() {
      let place = "line \(number + 1)"
      // The requirement proper ends at a comment (`#` at the start or after a space).
      var end = line.upperBound
      var k = line.lowerBound
      while k < line.upperBound {
        if bytes[k] == UInt8(ascii: "#"), k == line.lowerBound || isSpace(bytes[k - 1]) {
          end = k
          break
        }
        k += 1
      }
      var i = line.lowerBound
      while i < end, isSpace(bytes[i]) { i += 1 }
      let nameStart = i
      while i < end,
        bytes[i] < 0x80,
        Character(UnicodeScalar(bytes[i])).isLetter || Character(UnicodeScalar(bytes[i])).isNumber
          || bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "_")
          || bytes[i] == UInt8(ascii: ".")
      {
        i += 1
      }
      guard i > nameStart else { continue }
      let name = text(bytes, nameStart..<i)
      guard let action = actions[pep503(name)] else { continue }
      let previousContinues =
        number > 0
        && text(bytes, all[number - 1]).trimmingCharacters(in: .whitespacesAndNewlines)
          .hasSuffix("\\")
      let rest = text(bytes, i..<line.upperBound)
      if previousContinues || rest.contains("--hash")
        || rest.trimmingCharacters(in: .whitespacesAndNewlines)
          .hasSuffix("\\")
      {
        notes.append(
          "\(place): \(name) is hash-pinned or continued over lines; left alone (set it to \(action.to) and regenerate the hashes)"
        )
        continue
      }
      // Extras: `name[a,b]`.
      while i < end, isSpace(bytes[i]) { i += 1 }
      if i < end, bytes[i] == UInt8(ascii: "[") {
        while i < end, bytes[i] != UInt8(ascii: "]") { i += 1 }
        i += 1
      }
      var specEnd = end
      if let semi = bytes[min(i, end)..<end].firstIndex(of: UInt8(ascii: ";")) { specEnd = semi }
      let spec = text(bytes, min(i, specEnd)..<specEnd).trimmingCharacters(
        in: .whitespacesAndNewlines)
      guard spec.hasPrefix("=="), !spec.hasPrefix("==="), !spec.contains(","), !spec.contains("*")
      else {
        let shown = spec.isEmpty ? "(no version)" : spec
        notes.append(
          "\(place): \(name) \(shown) is not an exact pin; left alone (\(action.to) fixes \(action.closes.count) finding(s))"
        )
        continue
      }
      // The version bytes: after `==` and spaces, up to trailing spaces.
      var v = i
      while v < specEnd, bytes[v] != UInt8(ascii: "=") { v += 1 }
      v += 2
      while v < specEnd, isSpace(bytes[v]) { v += 1 }
      var e = specEnd
      while e > v, isSpace(bytes[e - 1]) { e -= 1 }
      guard e > v else { continue }
      let pinned = text(bytes, v..<e)
      switch shouldRaise(pinned, to: action.to, ecosystem: .pypi) {
      case true?:
        out.append(Replacement(range: v..<e, bytes: Array(action.to.utf8)))
        changes.append("\(place): \(name) \(pinned) -> \(action.to)")
      case false?:
        notes.append("\(place): \(name) is pinned at \(pinned), already at or above \(action.to)")
      case nil:
        notes.append("\(place): \(name) \(pinned) is not a PEP 440 version; left alone")
      }
    }
    return out
  }

  // MARK: package.json

  static let dependencySections = ["dependencies", "devDependencies", "optionalDependencies"]

  static func packageJSON(
    _ bytes: [UInt8], path: String, plan: FixPlan, changes: inout [String],
    notes: inout [String]
  ) throws(RemediationError) -> [Replacement] {
    do {
      let object = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
      guard object is [String: Any] else {
        throw RemediationError(.edit, "\(path): a package.json is a JSON object")
      }
    } catch let e as RemediationError {
      throw e
    } catch {
      throw RemediationError(.edit, "\(path) is not valid JSON: \(error.localizedDescription)")
    }
    let actions = upgrades(plan, .npm, key: { $0 })
    guard !actions.isEmpty else { return [] }
    var scanner = JSONSpans(bytes: bytes)
    let members: [JSONSpans.Member]
    do { members = try scanner.topLevelMembers(sections: Set(dependencySections)) } catch {
      throw RemediationError(.edit, "\(path) could not be scanned as JSON")
    }
    let lineStarts = lines(bytes).map(\.lowerBound)
    func lineNumber(_ offset: Int) -> Int {
      (lineStarts.lastIndex { $0 <= offset } ?? 0) + 1
    }
    var out: [Replacement] = []
    for m in members {
      guard let action = actions[m.name] else { continue }
      let place = "line \(lineNumber(m.value.lowerBound)) (\(m.section))"
      let raw = text(bytes, m.value)
      var prefix = 0
      if raw.hasPrefix("=") { prefix = 1 }
      if raw.dropFirst(prefix).hasPrefix("v") { prefix += 1 }
      let version = String(raw.dropFirst(prefix))
      guard isExactSemver(version) else {
        notes.append(
          "\(place): \(m.name) \"\(raw)\" is a range or not a version; left alone (\(action.to) fixes \(action.closes.count) finding(s))"
        )
        continue
      }
      switch shouldRaise(version, to: action.to, ecosystem: .npm) {
      case true?:
        out.append(
          Replacement(
            range: (m.value.lowerBound + prefix)..<m.value.upperBound,
            bytes: Array(action.to.utf8)))
        changes.append("\(place): \(m.name) \(version) -> \(action.to)")
      case false?:
        notes.append(
          "\(place): \(m.name) is pinned at \(version), already at or above \(action.to)")
      case nil:
        notes.append("\(place): \(m.name) \"\(raw)\" is not a version; left alone")
      }
    }
    return out
  }

  /// `1.2.3`, `1.2.3-rc.1`, `1.2.3+build`: an exact semver, not a range.
  static func isExactSemver(_ s: String) -> Bool {
    let core = s.prefix { $0 != "-" && $0 != "+" }
    let nums = core.split(separator: ".", omittingEmptySubsequences: false)
    guard nums.count == 3,
      nums.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) })
    else { return false }
    let tail = s.dropFirst(core.count)
    return tail.allSatisfy {
      $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "+")
    }
  }

  // MARK: Unified diff

  /// A unified diff (3 lines of context) of an edit; empty when nothing changed. Edits never add
  /// or remove lines, so lines are compared one to one.
  public static func unifiedDiff(_ edit: FileEdit, context: Int = 3) -> String {
    guard edit.changed else { return "" }
    let a = lines(edit.original).map { text(edit.original, $0) }
    let b = lines(edit.edited).map { text(edit.edited, $0) }
    let count = min(a.count, b.count)
    let changed = (0..<count).filter { a[$0] != b[$0] }
    var hunks: [ClosedRange<Int>] = []
    for i in changed {
      let lo = max(0, i - context)
      let hi = min(count - 1, i + context)
      if let last = hunks.last, lo <= last.upperBound + 1 {
        hunks[hunks.count - 1] = last.lowerBound...hi
      } else {
        hunks.append(lo...hi)
      }
    }
    var out = "--- a/\(edit.path)\n+++ b/\(edit.path)\n"
    for h in hunks {
      out += "@@ -\(h.lowerBound + 1),\(h.count) +\(h.lowerBound + 1),\(h.count) @@\n"
      // Edits keep the last line's newline or its absence; diff(1) marks the absence.
      let noNewline = "\\ No newline at end of file\n"
      for i in h {
        let mark = i == count - 1 && edit.original.last != UInt8(ascii: "\n") ? noNewline : ""
        if a[i] == b[i] {
          out += " \(a[i])\n" + mark
        } else {
          out += "-\(a[i])\n" + mark + "+\(b[i])\n" + mark
        }
      }
    }
    return out
  }
}

/// Finds, without rebuilding the document, the byte ranges of the string values in a JSON
/// object's dependency sections (`{"dependencies": {"name": "1.2.3"}}`): the ranges are inside
/// the quotes, so an edit changes only the version's bytes.
struct JSONSpans {
  struct Failure: Error {}
  struct Member {
    var section: String
    var name: String
    var value: Range<Int>
  }
  let bytes: [UInt8]
  var i = 0
  init(bytes: [UInt8]) { self.bytes = bytes }

  mutating func space() {
    while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
  }

  mutating func expect(_ c: Character) throws(Failure) {
    space()
    guard i < bytes.count, bytes[i] == c.asciiValue! else { throw Failure() }
    i += 1
  }

  /// A string: returns the range inside the quotes and its decoded text.
  mutating func string() throws(Failure) -> (Range<Int>, String) {
    try expect("\"")
    let start = i
    var escaped = false
    while i < bytes.count {
      if bytes[i] == UInt8(ascii: "\\") {
        escaped = true
        i += 2
        continue
      }
      if bytes[i] == UInt8(ascii: "\"") { break }
      i += 1
    }
    guard i < bytes.count else { throw Failure() }
    let range = start..<i
    i += 1
    var decoded = String(decoding: bytes[range], as: UTF8.self)
    if escaped,
      let d = try? JSONSerialization.jsonObject(
        with: Data(bytes[(start - 1)...range.upperBound]), options: [.fragmentsAllowed])
        as? String
    {
      decoded = d
    }
    return (range, decoded)
  }

  /// Skips any value.
  mutating func skipValue() throws(Failure) {
    space()
    guard i < bytes.count else { throw Failure() }
    switch bytes[i] {
    case UInt8(ascii: "\""): _ = try string()
    case UInt8(ascii: "{"), UInt8(ascii: "["):
      let close = bytes[i] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
      let isObject = bytes[i] == UInt8(ascii: "{")
      i += 1
      space()
      if i < bytes.count, bytes[i] == close {
        i += 1
        return
      }
      while true {
        if isObject {
          _ = try string()
          try expect(":")
        }
        try skipValue()
        space()
        guard i < bytes.count else { throw Failure() }
        if bytes[i] == UInt8(ascii: ",") {
          i += 1
          continue
        }
        guard bytes[i] == close else { throw Failure() }
        i += 1
        return
      }
    default:
      while i < bytes.count, !",}] \t\r\n".utf8.contains(bytes[i]) { i += 1 }
    }
  }

  /// Members of the top-level object's `sections` whose values are strings.
  mutating func topLevelMembers(sections: Set<String>) throws(Failure) -> [Member] {
    var out: [Member] = []
    try expect("{")
    space()
    if i < bytes.count, bytes[i] == UInt8(ascii: "}") { return [] }
    while true {
      let (_, key) = try string()
      try expect(":")
      space()
      if sections.contains(key), i < bytes.count, bytes[i] == UInt8(ascii: "{") {
        i += 1
        space()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
          i += 1
        } else {
          while true {
            let (_, name) = try string()
            try expect(":")
            space()
            if i < bytes.count, bytes[i] == UInt8(ascii: "\"") {
              let (range, _) = try string()
              if !bytes[range].contains(UInt8(ascii: "\\")) {
                out.append(Member(section: key, name: name, value: range))
              }
            } else {
              try skipValue()
            }
            space()
            guard i < bytes.count else { throw Failure() }
            if bytes[i] == UInt8(ascii: ",") {
              i += 1
              continue
            }
            try expect("}")
            break
          }
        }
      } else {
        try skipValue()
      }
      space()
      guard i < bytes.count else { throw Failure() }
      if bytes[i] == UInt8(ascii: ",") {
        i += 1
        continue
      }
      try expect("}")
      return out
    }
  }
}
