/// `glob.match` patterns (gobwas/glob syntax as OPA uses it): `*` stops at the
/// delimiters, `**` crosses them, `?`, `[a-z]`, `[!x]`, `{a,b}` alternatives.
/// Matching is a set-of-positions simulation, linear in pattern × input.
struct Glob {
  indirect enum Piece {
    case literal(Character)
    case star
    case superStar
    case any
    case cls([ClosedRange<Character>], negated: Bool)
    case alt([[Piece]])
  }

  let pieces: [Piece]
  let delimiters: Set<Character>

  init(_ pattern: String, delimiters: [Character]) throws {
    self.delimiters = Set(delimiters)
    var chars = Array(pattern)[...]
    pieces = try Glob.parse(&chars, inAlt: false, depth: 0)
    if !chars.isEmpty {
      throw builtinError("glob.match", "unexpected '\(chars.first.map(String.init) ?? "")'")
    }
  }

  static func parse(_ c: inout ArraySlice<Character>, inAlt: Bool, depth: Int) throws -> [Piece] {
    if depth > 50 { throw builtinError("glob.match", "pattern nested too deeply") }
    var out: [Piece] = []
    while let ch = c.first {
      if inAlt, ch == "," || ch == "}" { break }
      c.removeFirst()
      switch ch {
      case "*":
        if c.first == "*" {
          c.removeFirst()
          out.append(.superStar)
        } else {
          out.append(.star)
        }
      case "?": out.append(.any)
      case "\\":
        guard let n = c.first else { throw builtinError("glob.match", "trailing backslash") }
        c.removeFirst()
        out.append(.literal(n))
      case "[":
        var neg = false
        if c.first == "!" || c.first == "^" {
          neg = true
          c.removeFirst()
        }
        var ranges: [ClosedRange<Character>] = []
        while let x = c.first, x != "]" {
          c.removeFirst()
          var lo = x
          if lo == "\\", let e = c.first {
            c.removeFirst()
            lo = e
          }
          if c.first == "-", c.count > 1, c[c.index(after: c.startIndex)] != "]" {
            c.removeFirst()
            let hi = c.removeFirst()
            guard lo <= hi else { throw builtinError("glob.match", "bad range") }
            ranges.append(lo...hi)
          } else {
            ranges.append(lo...lo)
          }
        }
        guard c.first == "]" else { throw builtinError("glob.match", "unclosed [") }
        c.removeFirst()
        out.append(.cls(ranges, negated: neg))
      case "{":
        var alts: [[Piece]] = []
        while true {
          alts.append(try parse(&c, inAlt: true, depth: depth + 1))
          guard let x = c.first else { throw builtinError("glob.match", "unclosed {") }
          c.removeFirst()
          if x == "}" { break }
        }
        out.append(.alt(alts))
      default: out.append(.literal(ch))
      }
    }
    return out
  }

  func matches(_ s: String) -> Bool {
    let input = Array(s)
    let ends = advance(pieces[...], from: [0], input)
    return ends.contains(input.count)
  }

  /// All input positions reachable after matching `ps` from any of `starts`.
  func advance(_ ps: ArraySlice<Piece>, from starts: Set<Int>, _ input: [Character]) -> Set<Int> {
    var cur = starts
    for p in ps {
      if cur.isEmpty { return cur }
      var next = Set<Int>()
      switch p {
      case .literal(let ch):
        for i in cur where i < input.count && input[i] == ch { next.insert(i + 1) }
      case .any:
        for i in cur where i < input.count && !delimiters.contains(input[i]) { next.insert(i + 1) }
      case .cls(let r, let neg):
        for i in cur where i < input.count && (r.contains { $0.contains(input[i]) } != neg) {
          next.insert(i + 1)
        }
      case .star:
        for i in cur.sorted() {
          var j = i
          next.insert(j)
          while j < input.count, !delimiters.contains(input[j]) {
            j += 1
            next.insert(j)
          }
        }
      case .superStar:
        if let m = cur.min() { for j in m...input.count { next.insert(j) } }
      case .alt(let alts):
        for a in alts { next.formUnion(advance(a[...], from: cur, input)) }
      }
      cur = next
    }
    return cur
  }
}
