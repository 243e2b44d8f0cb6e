/// A Maven artifact version with the semantics of Maven's `ComparableVersion` (maven-artifact
/// 3.8): the string is split into items at `.`, `-` and digit/letter transitions; numbers
/// compare numerically, qualifiers in the order
/// `alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp`, unknown
/// qualifiers after `sp` (alphabetically), and every `-` (or a letter/digit transition) opens a
/// sub-list. Trailing "null" items (`0`, `""`, `ga`, empty lists) are dropped, so `1.0 == 1`.
///
/// Maven accepts any string; here only printable ASCII is accepted (Java's `Character.isDigit`
/// is Unicode-aware, and no real artifact version uses non-ASCII digits).
public struct MavenVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
  indirect enum Item: Hashable, Sendable {
    case number(DecimalDigits)
    /// A qualifier after alias resolution (`cr` → `rc`, `ga`/`final`/`release` → ""), stored
    /// as Maven's comparable form (`comparableQualifier`: "0"…"6" for known qualifiers,
    /// "7-name" otherwise), so comparing is one byte comparison.
    case qualifier([UInt8])
    case list([Item])
  }

  let items: [Item]
  public let text: String

  public var description: String { text }

  /// Maven's canonical form (`ComparableVersion.getCanonical()`).
  public var canonical: String { Self.canonical(items) }

  public init(parsing text: String) throws(VersionParseError) {
    let bytes = try VersionLimits.bytes(text, scheme: "maven")
    for c in bytes where c < 0x20 || c > 0x7E {
      throw VersionParseError(
        scheme: "maven", input: text, reason: "version contains a non-printable or non-ASCII byte")
    }
    self.text = text
    self.items = Self.parse(bytes.map(toLower))
  }

  /// A mutable list under construction; `parse` keeps a stack of them like Maven does.
  private final class Builder {
    var items: [Item] = []
    var children: [Int: Builder] = [:]  // index in `items` → nested builder placeholder
    func add(_ item: Item) { items.append(item) }
    func addList() -> Builder {
      let child = Builder()
      children[items.count] = child
      items.append(.list([]))
      return child
    }
    /// Freezes the tree, normalising each list after its children (Maven pops the stack
    /// innermost first, and every list is normalised after everything inside it was added).
    func build() -> [Item] {
      var result = items
      for (index, child) in children { result[index] = .list(child.build()) }
      // normalize(): drop trailing null items, stepping over non-null lists
      var i = result.count - 1
      while i >= 0 {
        if MavenVersion.isNull(result[i]) {
          result.remove(at: i)
        } else if case .list = result[i] {
          // keep looking further left
        } else {
          break
        }
        i -= 1
      }
      return result
    }
  }

  static func isNull(_ item: Item) -> Bool {
    switch item {
    case .number(let n): return n.isZero
    case .qualifier(let q): return q == releaseIndex
    case .list(let l): return l.isEmpty
    }
  }

  private static func parseItem(isDigit: Bool, _ buf: ArraySlice<UInt8>) -> Item {
    isDigit ? .number(DecimalDigits(digits: buf)) : qualifier(buf, followedByDigit: false)
  }

  private static func qualifier(_ buf: ArraySlice<UInt8>, followedByDigit: Bool) -> Item {
    var value = Array(buf)
    if followedByDigit && value.count == 1 {
      switch value[0] {
      case UInt8(ascii: "a"): value = Array("alpha".utf8)
      case UInt8(ascii: "b"): value = Array("beta".utf8)
      case UInt8(ascii: "m"): value = Array("milestone".utf8)
      default: break
      }
    }
    switch String(decoding: value, as: UTF8.self) {
    case "ga", "final", "release": value = []
    case "cr": value = Array("rc".utf8)
    default: break
    }
    return .qualifier(comparableQualifier(value))
  }

  /// `ComparableVersion.parseVersion` on the lower-cased bytes.
  private static func parse(_ v: [UInt8]) -> [Item] {
    let root = Builder()
    var list = root
    var isDigitRun = false
    var start = 0
    var i = 0
    while i < v.count {
      let c = v[i]
      if c == UInt8(ascii: ".") {
        if i == start {
          list.add(.number(.zero))
        } else {
          list.add(parseItem(isDigit: isDigitRun, v[start..<i]))
        }
        start = i + 1
      } else if c == UInt8(ascii: "-") {
        if i == start {
          list.add(.number(.zero))
        } else {
          list.add(parseItem(isDigit: isDigitRun, v[start..<i]))
        }
        start = i + 1
        list = list.addList()
      } else if VersionSchemes.isDigit(c) {
        if !isDigitRun && i > start {
          // 1.0.0.X1 < 1.0.0-X2: treat .X as -X for any string qualifier X
          if !list.items.isEmpty { list = list.addList() }
          list.add(qualifier(v[start..<i], followedByDigit: true))
          start = i
          list = list.addList()
        }
        isDigitRun = true
      } else {
        if isDigitRun && i > start {
          list.add(parseItem(isDigit: true, v[start..<i]))
          start = i
          list = list.addList()
        }
        isDigitRun = false
      }
      i += 1
    }
    if v.count > start {
      if !isDigitRun && !list.items.isEmpty { list = list.addList() }
      list.add(parseItem(isDigit: isDigitRun, v[start...]))
    }
    return root.build()
  }

  private static let qualifierOrder: [String] = [
    "alpha", "beta", "milestone", "rc", "snapshot", "", "sp",
  ]

  /// `StringItem.comparableQualifier`: the index of a known qualifier, else `"7-" + value`.
  private static func comparableQualifier(_ q: [UInt8]) -> [UInt8] {
    if let index = qualifierOrder.firstIndex(where: { $0.utf8.elementsEqual(q) }) {
      return [UInt8(48 + index)]
    }
    return Array("\(qualifierOrder.count)-".utf8) + q
  }

  private static let releaseIndex: [UInt8] = [UInt8(48 + 5)]

  /// `Item.compareTo(null)`.
  private static func compareToNull(_ item: Item) -> Int {
    switch item {
    case .number(let n): return n.isZero ? 0 : 1
    case .qualifier(let q): return sign(compareBytes(q, releaseIndex))
    case .list(let l):
      for element in l {
        let r = compareToNull(element)
        if r != 0 { return r }
      }
      return 0
    }
  }

  @inline(__always) private static func sign(_ x: Int) -> Int { x < 0 ? -1 : (x > 0 ? 1 : 0) }

  /// `Item.compareTo(Item)`.
  static func compare(_ l: Item, _ r: Item) -> Int {
    switch (l, r) {
    case (.number(let a), .number(let b)): return DecimalDigits.compare(a, b)
    case (.number, _): return 1
    case (.qualifier, .number): return -1
    case (.qualifier(let a), .qualifier(let b)):
      if a == b { return 0 }
      return sign(compareBytes(a, b))
    case (.qualifier, .list): return -1
    case (.list, .number): return -1
    case (.list, .qualifier): return 1
    case (.list(let a), .list(let b)): return compareLists(a, b)
    }
  }

  static func compareLists(_ a: [Item], _ b: [Item]) -> Int {
    var i = 0
    while i < a.count || i < b.count {
      let result: Int
      if i >= a.count {
        result = -compareToNull(b[i])
      } else if i >= b.count {
        result = compareToNull(a[i])
      } else {
        result = compare(a[i], b[i])
      }
      if result != 0 { return result }
      i += 1
    }
    return 0
  }

  public static func compare(_ a: MavenVersion, _ b: MavenVersion) -> Int {
    compareLists(a.items, b.items)
  }

  public static func < (a: MavenVersion, b: MavenVersion) -> Bool { compare(a, b) < 0 }
  public static func == (a: MavenVersion, b: MavenVersion) -> Bool { compare(a, b) == 0 }
  public func hash(into hasher: inout Hasher) { hasher.combine(items) }

  /// The qualifier's name back from its comparable form.
  private static func qualifierName(_ key: [UInt8]) -> String {
    if key.count == 1, let index = Int(String(decoding: key, as: UTF8.self)),
      index < qualifierOrder.count
    {
      return qualifierOrder[index]
    }
    return String(decoding: key.dropFirst(2), as: UTF8.self)
  }

  private static func canonical(_ items: [Item]) -> String {
    var s = ""
    for item in items {
      switch item {
      case .number(let n):
        if !s.isEmpty { s += "." }
        s += n.description
      case .qualifier(let q):
        if !s.isEmpty { s += "." }
        s += qualifierName(q)
      case .list(let l):
        if !s.isEmpty { s += "-" }
        s += canonical(l)
      }
    }
    return s
  }
}

/// `VersionScheme` conformance for Maven versions.
public enum MavenVersionScheme: VersionScheme {
  public static let name = "maven"
  public static func parse(_ text: String) throws(VersionParseError) -> MavenVersion {
    try MavenVersion(parsing: text)
  }
}
