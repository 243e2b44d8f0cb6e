import Foundation

/// Deterministic pseudo-random numbers (SplitMix64) so every run tests the same pairs and a
/// disagreement is reproducible.
struct SeededRandom: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// Version pairs for the differential tests: real-world versions, their neighbours, and
/// generated versions built from each scheme's grammar plus random mutations.
struct PairGenerator {
  var rng: SeededRandom

  init(seed: UInt64) { rng = SeededRandom(seed: seed) }

  mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
  mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
  mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

  mutating func number() -> String {
    switch int(0...9) {
    case 0: return "0"
    case 1: return String(int(10...99999))
    case 2: return "0" + String(int(0...9))
    default: return String(int(0...12))
    }
  }

  /// A random edit: change a digit, insert or delete a character from `alphabet`, duplicate a
  /// segment. Keeps the string non-empty and free of whitespace.
  mutating func mutate(_ s: String, alphabet: [Character]) -> String {
    var chars = Array(s)
    let edits = int(1...2)
    for _ in 0..<edits {
      switch int(0...4) {
      case 0 where !chars.isEmpty:
        let i = int(0...(chars.count - 1))
        if let d = chars[i].wholeNumberValue {
          chars[i] = Character(String((d + int(1...9)) % 10))
        } else {
          chars[i] = pick(alphabet)
        }
      case 1:
        chars.insert(pick(alphabet), at: int(0...chars.count))
      case 2 where chars.count > 1:
        chars.remove(at: int(0...(chars.count - 1)))
      case 3 where !chars.isEmpty:
        let i = int(0...(chars.count - 1))
        let j = min(chars.count, i + int(1...3))
        chars.insert(contentsOf: chars[i..<j], at: j)
      default:
        chars.append(contentsOf: Array("." + number()))
      }
    }
    let result = String(chars)
    return result.isEmpty ? "0" : result
  }

  /// Pairs from a pool: neighbours in the pool, random pairs, each version with a mutation of
  /// itself (the interesting cases are near-equal versions), and identical pairs.
  mutating func pairs(
    pool: [String], count: Int, alphabet: [Character], generate: (inout PairGenerator) -> String
  ) -> [(String, String)] {
    var result: [(String, String)] = []
    var seen = Set<String>()
    func add(_ a: String, _ b: String) {
      guard !a.isEmpty, !b.isEmpty, a.utf8.count < 200, b.utf8.count < 200,
        !a.contains(where: \.isWhitespace), !b.contains(where: \.isWhitespace)
      else { return }
      if seen.insert(a + "\t" + b).inserted { result.append((a, b)) }
    }
    let realPool = pool.filter { !$0.isEmpty }
    for i in realPool.indices.dropFirst() where result.count < count / 4 {
      add(realPool[i - 1], realPool[i])
    }
    var attempts = 0
    while result.count < count && attempts < count * 20 {
      attempts += 1
      let base: String
      if !realPool.isEmpty && chance(0.5) {
        base = pick(realPool)
      } else {
        base = generate(&self)
      }
      switch int(0...5) {
      case 0: add(base, base)
      case 1, 2: add(base, mutate(base, alphabet: alphabet))
      case 3: add(mutate(base, alphabet: alphabet), base)
      case 4: add(base, realPool.isEmpty ? generate(&self) : pick(realPool))
      default: add(base, generate(&self))
      }
    }
    return result
  }

  // MARK: per-scheme grammars

  mutating func debian() -> String {
    var s = ""
    if chance(0.15) { s += String(int(0...3)) + ":" }
    s += number()
    for _ in 0..<int(0...3) { s += pick([".", ".", ".", "+", "~"]) + number() }
    if chance(0.2) { s += pick(["~rc1", "~beta2", "+dfsg", "a", "b", "+really1.0", "~~", "~"]) }
    if chance(0.7) {
      s += "-" + number()
      if chance(0.4) {
        s += pick([
          "ubuntu1", "+deb12u1", "+deb11u2", "~bpo11+1", ".1", "+b1", "build1", "~18.04.1",
        ])
      }
    }
    return s
  }

  mutating func rpm() -> String {
    var s = ""
    if chance(0.15) { s += String(int(0...3)) + ":" }
    s += number()
    for _ in 0..<int(0...3) {
      s += pick([".", ".", ".", "_", "+"]) + pick([number(), "a", "b", "rc1"])
    }
    if chance(0.25) {
      s += pick(["~rc1", "~beta", "^20230101git1a2b3c", "^post1", "a", "p1", "~~", "^"])
    }
    if chance(0.75) {
      s += "-" + number()
      if chance(0.5) {
        s += pick([".el8", ".el8_8", ".el9_3", ".cm2", ".fc39", ".1.el7", ".mga9", ".ph5"])
      }
    }
    return s
  }

  mutating func pep440() -> String {
    var s = chance(0.05) ? pick(["v", "V"]) : ""
    if chance(0.1) { s += String(int(0...2)) + "!" }
    s += number()
    for _ in 0..<int(0...3) { s += "." + number() }
    if chance(0.35) {
      s +=
        pick(["", ".", "-", "_"])
        + pick(["a", "b", "rc", "c", "alpha", "beta", "pre", "preview", "A", "RC"])
      if chance(0.8) { s += pick(["", ".", "-", "_"]) + number() }
    }
    if chance(0.25) {
      if chance(0.3) {
        s += "-" + number()
      } else {
        s +=
          pick(["", ".", "-", "_"]) + pick(["post", "rev", "r", "POST"])
          + (chance(0.8) ? pick(["", "."]) + number() : "")
      }
    }
    if chance(0.25) {
      s += pick(["", ".", "-", "_"]) + pick(["dev", "DEV"]) + (chance(0.8) ? number() : "")
    }
    if chance(0.15) {
      s += "+" + pick(["ubuntu", "local", "abc", "1", "0", "cpu", "cu118"])
      for _ in 0..<int(0...2) { s += pick([".", "-", "_"]) + pick(["1", "a", "2b", "10", "x"]) }
    }
    return s
  }

  mutating func semverCore(loose: Bool, goStyle: Bool = false) -> String {
    var s = ""
    if goStyle {
      s = chance(0.8) ? "v" : ""
    } else if loose {
      s = pick(["", "", "", "v", "=", "=v", "v="])
    } else if chance(0.1) {
      s = "v"
    }
    s += String(int(0...12)) + "." + String(int(0...20)) + "." + String(int(0...30))
    if loose && chance(0.1) { s = s.replacingOccurrences(of: ".", with: ".0") }
    if chance(0.5) {
      if goStyle && chance(0.5) {
        // a pseudo-version
        let ts =
          "20" + String(int(10...25))
          + String(
            format: "%02d%02d%02d%02d%02d", int(1...12), int(1...28), int(0...23), int(0...59),
            int(0...59))
        let hash = String((0..<12).map { _ in pick(Array("0123456789abcdef")) })
        s += pick(["-", "-0.", "-rc.1.0.", "-pre.0."]) + ts + "-" + hash
      } else {
        s += (loose && chance(0.2)) ? "" : "-"
        var ids: [String] = []
        for _ in 0..<int(1...3) {
          ids.append(
            pick([
              "alpha", "beta", "rc", "0", "1", "2", "10", "11", "x-y", "-", "a1", "1a", "RC", "pre",
              String(int(0...99)),
            ]))
        }
        s += ids.joined(separator: ".")
      }
    }
    if chance(0.2) { s += "+" + pick(["build.1", "incompatible", "sha.5114f85", "001", "x-y"]) }
    return s
  }

  mutating func apk() -> String {
    var s = number()
    for _ in 0..<int(0...3) { s += "." + number() }
    if chance(0.15) { s += pick(["a", "b", "k", "z"]) }
    for _ in 0..<(chance(0.3) ? int(1...2) : 0) {
      s += "_" + pick(["alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"])
      if chance(0.6) { s += number() }
    }
    if chance(0.05) {
      s += "~" + String((0..<int(4...8)).map { _ in pick(Array("0123456789abcdef")) })
    }
    if chance(0.8) { s += "-r" + String(int(0...12)) }
    return s
  }

  mutating func maven() -> String {
    var s = number()
    for _ in 0..<int(0...4) {
      let sep = pick([".", ".", ".", "-", ""])
      let item = pick([
        number(), number(), "alpha", "beta", "milestone", "rc", "cr", "snapshot", "SNAPSHOT", "ga",
        "final", "Final", "release", "RELEASE", "sp", "jre", "android", "foo", "a", "b", "m", "RC",
        "M", "",
      ])
      s += sep + item
    }
    return s
  }
}
