import Foundation

/// Semantic Versioning 2.0.0 parse and precedence (`semver.*` builtins).
struct SemVer {
  var major: Int
  var minor: Int
  var patch: Int
  var pre: [String]

  init?(_ s: String) {
    var text = Substring(s)
    if let plus = text.firstIndex(of: "+") {
      let build = text[text.index(after: plus)...]
      guard !build.isEmpty,
        build.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({
          !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        })
      else { return nil }
      text = text[..<plus]
    }
    var preText: Substring? = nil
    if let dash = text.firstIndex(of: "-") {
      preText = text[text.index(after: dash)...]
      text = text[..<dash]
    }
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 3 else { return nil }
    var nums: [Int] = []
    for p in parts {
      guard !p.isEmpty, p.allSatisfy({ $0.isASCII && $0.isNumber }), p == "0" || !p.hasPrefix("0"),
        let v = Int(p)
      else { return nil }
      nums.append(v)
    }
    major = nums[0]
    minor = nums[1]
    patch = nums[2]
    pre = []
    if let preText {
      for id in preText.split(separator: ".", omittingEmptySubsequences: false) {
        guard !id.isEmpty,
          id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
        else {
          return nil
        }
        if id.allSatisfy({ $0.isNumber }), id.count > 1, id.hasPrefix("0") { return nil }
        pre.append(String(id))
      }
    }
  }

  func compare(_ o: SemVer) -> Int {
    for (a, b) in [(major, o.major), (minor, o.minor), (patch, o.patch)] where a != b {
      return a < b ? -1 : 1
    }
    if pre.isEmpty != o.pre.isEmpty { return pre.isEmpty ? 1 : -1 }
    for (a, b) in zip(pre, o.pre) where a != b {
      switch (Int(a), Int(b)) {
      case (let x?, let y?): return x < y ? -1 : 1
      case (.some, nil): return -1
      case (nil, .some): return 1
      default: return a < b ? -1 : 1
      }
    }
    return pre.count == o.pre.count ? 0 : (pre.count < o.pre.count ? -1 : 1)
  }
}

/// `units.parse` / `units.parse_bytes` as OPA parses them (`parse_units.go`,
/// `parse_bytes.go`): the number is the leading run of digits, `.`, sign and
/// exponent characters (an exponent of at most 6 digits), the rest is the unit.
/// Arithmetic is decimal (exact for the inputs policies write; OPA uses big
/// floats and rationals).
enum Units {
  static func parse(_ s: String, bytes: Bool) throws -> Value {
    let name = bytes ? "units.parse_bytes" : "units.parse"
    var t = s.replacingOccurrences(of: "\"", with: "")
    if bytes { t = t.lowercased() }
    guard !t.contains(" ") else {
      throw builtinError(name, "spaces not allowed in resource strings")
    }
    guard let (num, unit0) = split(t) else { throw builtinError(name, "exponent too large") }
    guard !num.isEmpty else {
      throw builtinError(name, bytes ? "no byte amount provided" : "no amount provided")
    }
    var unit = unit0
    let k = Decimal(1000)
    func pow(_ b: Decimal, _ n: Int) -> Decimal { (0..<n).reduce(Decimal(1)) { a, _ in a * b } }
    let multiplier: Decimal?
    if bytes {
      let table: [String: Decimal] = [
        "": 1, "kb": k, "k": k, "kib": 1024, "ki": 1024, "mb": pow(k, 2), "m": pow(k, 2),
        "mib": pow(1024, 2), "mi": pow(1024, 2), "gb": pow(k, 3), "g": pow(k, 3),
        "gib": pow(1024, 3), "gi": pow(1024, 3), "tb": pow(k, 4), "t": pow(k, 4),
        "tib": pow(1024, 4), "ti": pow(1024, 4), "pb": pow(k, 5), "p": pow(k, 5),
        "pib": pow(1024, 5), "pi": pow(1024, 5), "eb": pow(k, 6), "e": pow(k, 6),
        "eib": pow(1024, 6), "ei": pow(1024, 6),
      ]
      multiplier = table[unit]
    } else {
      // only the letters after the first are case-insensitive ("m" milli, "M" mega)
      if unit.count > 1 { unit = String(unit.prefix(1)) + unit.dropFirst().lowercased() }
      let table: [String: Decimal] = [
        "m": Decimal(string: "0.001") ?? 0, "": 1, "k": k, "K": k, "ki": 1024, "Ki": 1024,
        "M": pow(k, 2), "mi": pow(1024, 2), "Mi": pow(1024, 2), "g": pow(k, 3), "G": pow(k, 3),
        "gi": pow(1024, 3), "Gi": pow(1024, 3), "t": pow(k, 4), "T": pow(k, 4),
        "ti": pow(1024, 4), "Ti": pow(1024, 4), "p": pow(k, 5), "P": pow(k, 5),
        "pi": pow(1024, 5), "Pi": pow(1024, 5), "e": pow(k, 6), "E": pow(k, 6),
        "ei": pow(1024, 6), "Ei": pow(1024, 6),
      ]
      multiplier = table[unit]
    }
    guard let multiplier else {
      throw builtinError(
        name, bytes ? "byte unit \(unit) not recognized" : "unit \(unit) not recognized")
    }
    guard validNumber(num) else {
      throw builtinError(
        name,
        bytes ? "could not parse byte amount to a number" : "could not parse amount to a number")
    }
    guard let n = Decimal(string: num, locale: Locale(identifier: "en_US_POSIX")) else {
      // beyond Decimal's exponent range: as a double (inf when beyond that too)
      let d = (Double(num) ?? .nan) * NSDecimalNumber(decimal: multiplier).doubleValue
      guard d.isFinite else { throw builtinError(name, "amount out of range") }
      return .double(bytes ? d.rounded(.towardZero) : d)
    }
    var product = n * multiplier
    var rounded = Decimal()
    if bytes {
      NSDecimalRound(&rounded, &product, 0, product < 0 ? .up : .down)  // truncate
      return number(rounded)
    }
    NSDecimalRound(&rounded, &product, 10, .plain)  // FloatString(10)
    return number(rounded)
  }

  static func number(_ d: Decimal) -> Value {
    let text = NSDecimalNumber(decimal: d).stringValue
    if let n = Number(parsing: text) { return .number(n) }
    return .double(NSDecimalNumber(decimal: d).doubleValue)
  }

  /// A decimal number as Go's big.Float / big.Rat `SetString` read it here:
  /// optional sign, digits with an optional point, optional exponent.
  static func validNumber(_ s: String) -> Bool {
    let b = Array(s.utf8)
    var i = 0
    if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
    var digits = 0
    while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
      i += 1
      digits += 1
    }
    if i < b.count, b[i] == UInt8(ascii: ".") {
      i += 1
      while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
        i += 1
        digits += 1
      }
    }
    guard digits > 0 else { return false }
    if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
      i += 1
      if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
      let start = i
      while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
      guard i > start else { return false }
    }
    return i == b.count
  }

  /// OPA's `extractNumAndUnit`; nil when the exponent has more than 6 digits.
  static func split(_ s: String) -> (String, String)? {
    let b = Array(s.utf8)
    func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    var idx = 0
    var firstNonNum = -1
    while idx < b.count {
      let c = b[idx]
      let isNum = isDigit(c) || c == UInt8(ascii: ".")
      let e = c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
      if !isNum, !e, c != UInt8(ascii: "+"), c != UInt8(ascii: "-") {
        firstNonNum = idx
        break
      }
      if e {
        if idx == b.count - 1
          || (!isDigit(b[idx + 1]) && b[idx + 1] != UInt8(ascii: "+")
            && b[idx + 1] != UInt8(ascii: "-"))
        {
          firstNonNum = idx
          break
        }
        if b[idx + 1] == UInt8(ascii: "+") || b[idx + 1] == UInt8(ascii: "-") { idx += 1 }
        var end = idx + 1
        while end < b.count, isDigit(b[end]) { end += 1 }
        if end - (idx + 1) > 6 { return nil }
      }
      idx += 1
    }
    if firstNonNum == -1 { return (s, "") }
    if firstNonNum == 0 { return ("", s) }
    return (
      String(decoding: b[..<firstNonNum], as: UTF8.self),
      String(decoding: b[firstNonNum...], as: UTF8.self)
    )
  }
}

/// `urlquery.*`: Go's url.QueryEscape / QueryUnescape.
enum URLQuery {
  static func encode(_ s: String) -> String {
    var out = ""
    for b in s.utf8 {
      let c = Character(UnicodeScalar(b))
      if c.isASCII, c.isLetter || c.isNumber || "-_.~".contains(c) {
        out.append(c)
      } else if b == 0x20 {
        out.append("+")
      } else {
        out += "%" + String(format: "%02X", b)
      }
    }
    return out
  }

  static func decode(_ s: String) -> String? {
    var out: [UInt8] = []
    let b = Array(s.utf8)
    var i = 0
    while i < b.count {
      if b[i] == 0x25 {
        guard i + 2 < b.count,
          let v = UInt8(String(decoding: b[i + 1...i + 2], as: UTF8.self), radix: 16)
        else {
          return nil
        }
        out.append(v)
        i += 3
      } else {
        out.append(b[i] == 0x2b ? 0x20 : b[i])
        i += 1
      }
    }
    return String(decoding: out, as: UTF8.self)
  }
}
