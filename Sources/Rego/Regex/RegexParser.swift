/// Parser for RE2 syntax (the dialect OPA's Go `regexp` accepts): literals,
/// classes (incl. `[:alpha:]`, `\d\w\s`), groups (`(?:…)`, `(?P<n>…)`, flags
/// `imsU`), repetition with RE2's limit of 1000, anchors and `\b`.
struct RegexParser {
  static let maxRepeat = 1000
  static let maxPatternScalars = 64 * 1024

  struct Flags {
    var caseInsensitive = false
    var dotNL = false
    var multiLine = false
    var ungreedy = false
  }

  let chars: [Unicode.Scalar]
  var pos = 0
  var groupCount = 0
  var groupNames: [String?] = [nil]

  init(_ pattern: String) { chars = Array(pattern.unicodeScalars) }

  func error(_ m: String) -> RegexError { RegexError(message: m, offset: pos) }

  mutating func parse() throws -> RegexNode {
    if chars.count > RegexParser.maxPatternScalars { throw error("pattern too long") }
    var flags = Flags()
    let n = try parseAlt(&flags, depth: 0)
    if pos < chars.count { throw error("unexpected )") }
    return n
  }

  var peek: Unicode.Scalar? { pos < chars.count ? chars[pos] : nil }

  mutating func parseAlt(_ flags: inout Flags, depth: Int) throws -> RegexNode {
    if depth > 500 { throw error("nesting too deep") }
    var branches = [try parseConcat(&flags, depth: depth)]
    while peek == "|" {
      pos += 1
      branches.append(try parseConcat(&flags, depth: depth))
    }
    return branches.count == 1 ? branches[0] : .alt(branches)
  }

  mutating func parseConcat(_ flags: inout Flags, depth: Int) throws -> RegexNode {
    var items: [RegexNode] = []
    while let c = peek, c != "|", c != ")" {
      var atom = try parseAtom(&flags, depth: depth)
      // quantifiers
      while let q = peek {
        var min = 0
        var max: Int? = nil
        if q == "*" {
          pos += 1
        } else if q == "+" {
          min = 1
          pos += 1
        } else if q == "?" {
          max = 1
          pos += 1
        } else if q == "{", let (a, b, len) = try parseBraces() {
          min = a
          max = b
          pos += len
        } else {
          break
        }
        if case .empty = atom { throw error("missing argument to repetition operator") }
        if case .assertion = atom {}
        if case .repeatNode = atom { throw error("invalid nested repetition operator") }
        var greedy = !flags.ungreedy
        if peek == "?" {
          greedy.toggle()
          pos += 1
        }
        atom = .repeatNode(atom, min: min, max: max, greedy: greedy)
      }
      items.append(atom)
    }
    if items.isEmpty { return .empty }
    return items.count == 1 ? items[0] : .concat(items)
  }

  /// `{n}`, `{n,}`, `{n,m}`; anything else is a literal `{` (as in RE2).
  func parseBraces() throws -> (Int, Int?, Int)? {
    var i = pos + 1
    func num() -> Int? {
      var v: Int? = nil
      while i < chars.count, let d = Int(String(chars[i])), chars[i].isASCII {
        v = (v ?? 0) * 10 + d
        if (v ?? 0) > 100_000 { v = 100_000 }
        i += 1
      }
      return v
    }
    guard let a = num() else { return nil }
    var b: Int? = a
    if i < chars.count, chars[i] == "," {
      i += 1
      b = num()
    }
    guard i < chars.count, chars[i] == "}" else { return nil }
    if a > RegexParser.maxRepeat || (b ?? 0) > RegexParser.maxRepeat {
      throw error("invalid repeat count")
    }
    if let b, b < a { throw error("invalid repeat count") }
    return (a, b, i - pos + 1)
  }

  mutating func parseAtom(_ flags: inout Flags, depth: Int) throws -> RegexNode {
    guard let c = peek else { throw error("unexpected end") }
    pos += 1
    switch c {
    case "(":
      if peek == "?" {
        pos += 1
        if peek == "P" || peek == "<" {
          if peek == "P" { pos += 1 }
          guard peek == "<" else { throw error("invalid named group") }
          pos += 1
          var name = ""
          while let ch = peek, ch != ">" {
            name.unicodeScalars.append(ch)
            pos += 1
          }
          guard peek == ">" else { throw error("invalid named group") }
          pos += 1
          groupCount += 1
          let idx = groupCount
          groupNames.append(name)
          var inner = flags
          let n = try parseAlt(&inner, depth: depth + 1)
          guard peek == ")" else { throw error("missing closing )") }
          pos += 1
          return .group(n, index: idx)
        }
        // flags: (?flags) or (?flags:re)
        var newFlags = flags
        var negate = false
        while let ch = peek, ch != ")", ch != ":" {
          switch ch {
          case "i": newFlags.caseInsensitive = !negate
          case "s": newFlags.dotNL = !negate
          case "m": newFlags.multiLine = !negate
          case "U": newFlags.ungreedy = !negate
          case "-": negate = true
          default: throw error("invalid or unsupported Perl syntax")
          }
          pos += 1
        }
        guard let end = peek else { throw error("missing closing )") }
        pos += 1
        if end == ")" {
          flags = newFlags
          return .empty
        }
        let n = try parseAlt(&newFlags, depth: depth + 1)
        guard peek == ")" else { throw error("missing closing )") }
        pos += 1
        return .group(n, index: nil)
      }
      groupCount += 1
      let idx = groupCount
      groupNames.append(nil)
      var inner = flags
      let n = try parseAlt(&inner, depth: depth + 1)
      guard peek == ")" else { throw error("missing closing )") }
      pos += 1
      return .group(n, index: idx)
    case "[":
      return try parseClass(flags)
    case ".":
      return .any(dotNL: flags.dotNL)
    case "^":
      return .assertion(flags.multiLine ? .beginLine : .beginText)
    case "$":
      return .assertion(flags.multiLine ? .endLine : .endText)
    case "\\":
      return try parseEscape(flags, inClass: false).node
    case "*", "+", "?":
      throw error("missing argument to repetition operator")
    default:
      return .chars([c.value...c.value], negated: false, fold: flags.caseInsensitive)
    }
  }

  static let digit: [ClosedRange<UInt32>] = [0x30...0x39]
  static let word: [ClosedRange<UInt32>] = [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A]
  static let space: [ClosedRange<UInt32>] = [0x09...0x0A, 0x0C...0x0D, 0x20...0x20]

  static func negate(_ r: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
    var out: [ClosedRange<UInt32>] = []
    var next: UInt32 = 0
    for x in r.sorted(by: { $0.lowerBound < $1.lowerBound }) {
      if x.lowerBound > next { out.append(next...(x.lowerBound - 1)) }
      next = max(next, x.upperBound + 1)
    }
    if next <= 0x10FFFF { out.append(next...0x10FFFF) }
    return out
  }

  struct Escape {
    var node: RegexNode
    var ranges: [ClosedRange<UInt32>]?
  }

  mutating func parseEscape(_ flags: Flags, inClass: Bool) throws -> Escape {
    guard let c = peek else { throw error("trailing backslash at end of expression") }
    pos += 1
    func cls(_ r: [ClosedRange<UInt32>], _ neg: Bool) -> Escape {
      let rr = neg ? RegexParser.negate(r) : r
      return Escape(node: .chars(rr, negated: false, fold: false), ranges: rr)
    }
    func lit(_ v: UInt32) -> Escape {
      Escape(node: .chars([v...v], negated: false, fold: flags.caseInsensitive), ranges: [v...v])
    }
    switch c {
    case "d": return cls(RegexParser.digit, false)
    case "D": return cls(RegexParser.digit, true)
    case "w": return cls(RegexParser.word, false)
    case "W": return cls(RegexParser.word, true)
    case "s": return cls(RegexParser.space, false)
    case "S": return cls(RegexParser.space, true)
    case "n": return lit(10)
    case "t": return lit(9)
    case "r": return lit(13)
    case "f": return lit(12)
    case "v": return lit(11)
    case "a": return lit(7)
    case "x":
      var hex = ""
      if peek == "{" {
        pos += 1
        while let h = peek, h != "}" {
          hex.unicodeScalars.append(h)
          pos += 1
        }
        pos += 1
      } else {
        for _ in 0..<2 {
          if let h = peek {
            hex.unicodeScalars.append(h)
            pos += 1
          }
        }
      }
      guard let v = UInt32(hex, radix: 16), v <= 0x10FFFF else {
        throw error("invalid escape sequence")
      }
      return lit(v)
    case "A" where !inClass: return Escape(node: .assertion(.beginText), ranges: nil)
    case "z" where !inClass: return Escape(node: .assertion(.endText), ranges: nil)
    case "b" where !inClass: return Escape(node: .assertion(.wordBoundary), ranges: nil)
    case "B" where !inClass: return Escape(node: .assertion(.notWordBoundary), ranges: nil)
    case "p", "P":
      // Unicode classes: support the common general categories by approximation.
      var name = ""
      if peek == "{" {
        pos += 1
        while let h = peek, h != "}" {
          name.unicodeScalars.append(h)
          pos += 1
        }
        pos += 1
      } else if let h = peek {
        name = String(h)
        pos += 1
      }
      let r: [ClosedRange<UInt32>]
      switch name {
      case "L", "Letter":
        r = [0x41...0x5A, 0x61...0x7A, 0xC0...0x24F, 0x370...0x3FF, 0x400...0x4FF, 0x4E00...0x9FFF]
      case "Lu": r = [0x41...0x5A, 0xC0...0xDE]
      case "Ll": r = [0x61...0x7A, 0xDF...0xFF]
      case "N", "Nd": r = RegexParser.digit
      case "Greek": r = [0x370...0x3FF]
      case "Han": r = [0x4E00...0x9FFF]
      default: throw error("invalid character class range")
      }
      return cls(r, c == "P")
    default:
      if c.isASCII, c.properties.isAlphabetic || ("0"..."9").contains(c) {
        throw error("invalid escape sequence: \\\(c)")
      }
      return lit(c.value)
    }
  }

  static let posix: [String: [ClosedRange<UInt32>]] = [
    "alnum": [0x30...0x39, 0x41...0x5A, 0x61...0x7A], "alpha": [0x41...0x5A, 0x61...0x7A],
    "ascii": [0...0x7F], "blank": [0x09...0x09, 0x20...0x20], "cntrl": [0...0x1F, 0x7F...0x7F],
    "digit": [0x30...0x39], "graph": [0x21...0x7E], "lower": [0x61...0x7A], "print": [0x20...0x7E],
    "punct": [0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E],
    "space": [0x09...0x0D, 0x20...0x20], "upper": [0x41...0x5A],
    "word": [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A],
    "xdigit": [0x30...0x39, 0x41...0x46, 0x61...0x66],
  ]

  mutating func parseClass(_ flags: Flags) throws -> RegexNode {
    var negated = false
    if peek == "^" {
      negated = true
      pos += 1
    }
    var ranges: [ClosedRange<UInt32>] = []
    var first = true
    while true {
      guard let c = peek else { throw error("missing closing ]") }
      if c == "]" && !first {
        pos += 1
        break
      }
      first = false
      if c == "[", pos + 1 < chars.count, chars[pos + 1] == ":" {
        // [:name:]
        var j = pos + 2
        var neg = false
        if j < chars.count, chars[j] == "^" {
          neg = true
          j += 1
        }
        var name = ""
        while j < chars.count, chars[j] != ":" {
          name.unicodeScalars.append(chars[j])
          j += 1
        }
        if j + 1 < chars.count, chars[j + 1] == "]", let r = RegexParser.posix[name] {
          ranges += neg ? RegexParser.negate(r) : r
          pos = j + 2
          continue
        }
      }
      var lo: UInt32
      pos += 1
      if c == "\\" {
        let e = try parseEscape(flags, inClass: true)
        guard let r = e.ranges else { throw error("invalid escape in class") }
        if r.count != 1 || r[0].lowerBound != r[0].upperBound {
          ranges += r
          continue
        }
        lo = r[0].lowerBound
      } else {
        lo = c.value
      }
      var hi = lo
      if peek == "-", pos + 1 < chars.count, chars[pos + 1] != "]" {
        pos += 1
        guard let h = peek else { throw error("missing closing ]") }
        pos += 1
        if h == "\\" {
          let e = try parseEscape(flags, inClass: true)
          guard let r = e.ranges, r.count == 1, r[0].lowerBound == r[0].upperBound else {
            throw error("invalid character class range")
          }
          hi = r[0].lowerBound
        } else {
          hi = h.value
        }
        if hi < lo { throw error("invalid character class range") }
      }
      ranges.append(lo...hi)
    }
    return .chars(ranges, negated: negated, fold: flags.caseInsensitive)
  }
}

/// A pattern RE2 would reject (offset in Unicode scalars).
public struct RegexError: Error, Sendable, Hashable {
  public var message: String
  public var offset: Int
}
