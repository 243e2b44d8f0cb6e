import Foundation

/// A compiled RE2-syntax regular expression, matched by a Pike VM (Thompson NFA
/// simulation with captures): time is O(pattern × input) whatever the pattern,
/// so hostile patterns like `(a+)+$` cannot backtrack catastrophically.
/// Match semantics are leftmost-first, as Go's `regexp` (and so OPA) has.
public struct RE2Regex: Sendable {
  static let maxInstructions = 20_000

  enum Inst: Sendable {
    case chars([ClosedRange<UInt32>], negated: Bool, fold: Bool)
    case any(dotNL: Bool)
    case split(Int, Int)
    case jmp(Int)
    case save(Int)
    case assert(RegexAssertion)
    case match
  }

  let prog: [Inst]
  /// Number of capture groups (not counting the whole match).
  public let groupCount: Int

  public init(_ pattern: String) throws {
    var p = RegexParser(pattern)
    let node = try p.parse()
    groupCount = p.groupCount
    var c = Compiler()
    c.emit(.save(0))
    try c.compile(node)
    c.emit(.save(1))
    c.emit(.match)
    if c.prog.count > RE2Regex.maxInstructions {
      throw RegexError(message: "expression too large", offset: 0)
    }
    prog = c.prog
  }

  struct Compiler {
    var prog: [Inst] = []

    mutating func emit(_ i: Inst) { prog.append(i) }

    mutating func compile(_ n: RegexNode) throws {
      if prog.count > RE2Regex.maxInstructions {
        throw RegexError(message: "expression too large", offset: 0)
      }
      switch n {
      case .empty: return
      case .chars(let r, let neg, let fold): emit(.chars(r, negated: neg, fold: fold))
      case .any(let nl): emit(.any(dotNL: nl))
      case .assertion(let a): emit(.assert(a))
      case .concat(let items): for i in items { try compile(i) }
      case .group(let inner, let idx):
        if let idx { emit(.save(2 * idx)) }
        try compile(inner)
        if let idx { emit(.save(2 * idx + 1)) }
      case .alt(let branches):
        var jumps: [Int] = []
        for (i, b) in branches.enumerated() {
          if i < branches.count - 1 {
            let split = prog.count
            emit(.split(0, 0))
            try compile(b)
            jumps.append(prog.count)
            emit(.jmp(0))
            prog[split] = .split(split + 1, prog.count)
          } else {
            try compile(b)
          }
        }
        for j in jumps { prog[j] = .jmp(prog.count) }
      case .repeatNode(let inner, let min, let max, let greedy):
        for _ in 0..<min { try compile(inner) }
        if let max {
          // (inner(inner(...)?)?)?
          var splits: [Int] = []
          for _ in min..<max {
            splits.append(prog.count)
            emit(.split(0, 0))
            try compile(inner)
          }
          for s in splits {
            prog[s] = greedy ? .split(s + 1, prog.count) : .split(prog.count, s + 1)
          }
        } else {
          let l = prog.count
          emit(.split(0, 0))
          try compile(inner)
          emit(.jmp(l))
          prog[l] = greedy ? .split(l + 1, prog.count) : .split(prog.count, l + 1)
        }
      }
    }
  }

  // MARK: - matching

  static func isWord(_ c: UInt32) -> Bool {
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
  }

  static func classMatches(_ r: [ClosedRange<UInt32>], _ neg: Bool, _ fold: Bool, _ c: UInt32)
    -> Bool
  {
    var hit = r.contains { $0.contains(c) }
    if !hit, fold, let s = Unicode.Scalar(c) {
      let variants = [String(s).lowercased(), String(s).uppercased()]
      for v in variants {
        if let u = v.unicodeScalars.first, v.unicodeScalars.count == 1,
          r.contains(where: { $0.contains(u.value) })
        {
          hit = true
          break
        }
      }
    }
    return hit != neg
  }

  struct Thread {
    var pc: Int
    var caps: [Int]
  }

  /// Finds the leftmost-first match starting the search at `start`; returns
  /// capture offsets (scalar indices, -1 when a group did not participate).
  func search(_ input: [UInt32], from start: Int) -> [Int]? {
    let ncap = 2 * (groupCount + 1)
    var clist: [Thread] = []
    var nlist: [Thread] = []
    var mark = [Int](repeating: -1, count: prog.count)
    var matched: [Int]? = nil
    let n = input.count
    var pos = start
    var generation = 0

    func add(_ list: inout [Thread], _ pc: Int, _ caps: [Int], _ pos: Int, _ gen: Int) {
      // explicit stack: epsilon closure in priority order
      var stack: [(Int, [Int])] = [(pc, caps)]
      while let (pc, caps) = stack.popLast() {
        if mark[pc] == gen { continue }
        mark[pc] = gen
        switch prog[pc] {
        case .jmp(let t): stack.append((t, caps))
        case .split(let a, let b):
          stack.append((b, caps))
          stack.append((a, caps))
        case .save(let i):
          var c = caps
          if i < c.count { c[i] = pos }
          stack.append((pc + 1, c))
        case .assert(let a):
          let prev: UInt32? = pos > 0 ? input[pos - 1] : nil
          let next: UInt32? = pos < n ? input[pos] : nil
          let ok: Bool
          switch a {
          case .beginText: ok = pos == 0
          case .endText: ok = pos == n
          case .beginLine: ok = pos == 0 || prev == 10
          case .endLine: ok = pos == n || next == 10
          case .wordBoundary, .notWordBoundary:
            let w1 = prev.map(RE2Regex.isWord) ?? false
            let w2 = next.map(RE2Regex.isWord) ?? false
            ok = (w1 != w2) == (a == .wordBoundary)
          }
          if ok { stack.append((pc + 1, caps)) }
        default:
          list.append(Thread(pc: pc, caps: caps))
        }
      }
    }

    let initial = [Int](repeating: -1, count: ncap)
    while true {
      generation += 1
      if matched == nil {
        add(&clist, 0, initial, pos, generation)
      }
      if clist.isEmpty && (matched != nil || pos >= n) { break }
      generation += 1
      let c: UInt32? = pos < n ? input[pos] : nil
      for t in clist {
        switch prog[t.pc] {
        case .match:
          matched = t.caps
          break
        case .chars(let r, let neg, let fold):
          if let c, RE2Regex.classMatches(r, neg, fold, c) {
            add(&nlist, t.pc + 1, t.caps, pos + 1, generation)
          }
          continue
        case .any(let nl):
          if let c, nl || c != 10 { add(&nlist, t.pc + 1, t.caps, pos + 1, generation) }
          continue
        default:
          continue
        }
        // a match cuts off lower-priority threads
        if case .match = prog[t.pc] { break }
      }
      swap(&clist, &nlist)
      nlist.removeAll(keepingCapacity: true)
      if pos >= n {
        // drain: threads at end may still reach match
        for t in clist {
          if case .match = prog[t.pc] {
            matched = t.caps
            break
          }
        }
        break
      }
      pos += 1
      // mark array generations are per step; adding at the new pos uses a fresh generation
    }
    return matched
  }

  // MARK: - Go regexp-style API over Strings

  public func matches(_ s: String) -> Bool {
    search(s.unicodeScalars.map(\.value), from: 0) != nil
  }

  /// Successive non-overlapping matches (Go's `FindAll…Index`), at most `limit` (-1 = all).
  public func findAll(_ s: String, limit: Int) -> [[Int]] {
    let input = s.unicodeScalars.map(\.value)
    var out: [[Int]] = []
    var pos = 0
    var prevEnd = -1
    while limit < 0 || out.count < limit, pos <= input.count {
      guard let m = search(input, from: pos) else { break }
      var accept = true
      if m[1] == m[0], m[0] == pos || m[1] == pos {
        if m[0] == prevEnd { accept = false }
      }
      if m[1] == pos {
        pos += 1
      } else {
        pos = m[1]
      }
      prevEnd = m[1]
      if accept { out.append(m) }
    }
    return out
  }

  static func substring(_ input: [Unicode.Scalar], _ a: Int, _ b: Int) -> String {
    guard a >= 0, b >= a, b <= input.count else { return "" }
    var v = String.UnicodeScalarView()
    v.append(contentsOf: input[a..<b])
    return String(v)
  }

  public func findStrings(_ s: String, limit: Int) -> [String] {
    let sc = Array(s.unicodeScalars)
    return findAll(s, limit: limit).map { RE2Regex.substring(sc, $0[0], $0[1]) }
  }

  public func findSubmatches(_ s: String, limit: Int) -> [[String]] {
    let sc = Array(s.unicodeScalars)
    return findAll(s, limit: limit).map { m in
      stride(from: 0, to: m.count, by: 2).map { RE2Regex.substring(sc, m[$0], m[$0 + 1]) }
    }
  }

  /// Go's `Regexp.Split(s, -1)`.
  public func split(_ s: String) -> [String] {
    if s.isEmpty { return [""] }
    let sc = Array(s.unicodeScalars)
    var out: [String] = []
    var beg = 0
    var end = 0
    for m in findAll(s, limit: -1) {
      end = m[0]
      if m[1] != 0 { out.append(RE2Regex.substring(sc, beg, end)) }
      beg = m[1]
    }
    if end != sc.count { out.append(RE2Regex.substring(sc, beg, sc.count)) }
    return out
  }

  /// Go's `ReplaceAllString`: `$1`, `${1}`, `${name}` expand in the replacement.
  public func replaceAll(_ s: String, with repl: String) -> String {
    let sc = Array(s.unicodeScalars)
    var out = ""
    var last = 0
    let r = Array(repl.unicodeScalars)
    for m in findAll(s, limit: -1) {
      out += RE2Regex.substring(sc, last, m[0])
      var i = 0
      while i < r.count {
        if r[i] == "$", i + 1 < r.count {
          if r[i + 1] == "$" {
            out += "$"
            i += 2
            continue
          }
          var name = ""
          var j = i + 1
          if r[j] == "{" {
            j += 1
            while j < r.count, r[j] != "}" {
              name.unicodeScalars.append(r[j])
              j += 1
            }
            j += 1
          } else {
            while j < r.count,
              r[j].properties.isAlphabetic || ("0"..."9").contains(r[j]) || r[j] == "_"
            {
              name.unicodeScalars.append(r[j])
              j += 1
            }
          }
          if let g = Int(name), g <= groupCount {
            out += RE2Regex.substring(sc, m[2 * g], m[2 * g + 1])
          }
          i = j
          continue
        }
        out.unicodeScalars.append(r[i])
        i += 1
      }
      last = m[1]
    }
    out += RE2Regex.substring(sc, last, sc.count)
    return out
  }
}

/// Process-wide cache of compiled patterns (policies call `regex.match` with the
/// same pattern in loops).
final class RegexCache: @unchecked Sendable {
  static let shared = RegexCache()
  private let lock = NSLock()
  private var cache: [String: RE2Regex] = [:]

  func regex(_ pattern: String) throws -> RE2Regex {
    lock.lock()
    if let r = cache[pattern] {
      lock.unlock()
      return r
    }
    lock.unlock()
    let r = try RE2Regex(pattern)
    lock.lock()
    if cache.count > 10_000 { cache.removeAll() }
    cache[pattern] = r
    lock.unlock()
    return r
  }
}
