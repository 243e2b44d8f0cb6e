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

/// An IPv4/IPv6 network for `net.cidr_contains`.
struct CIDR {
  var address: [UInt8]
  var prefix: Int

  init(address: [UInt8], prefix: Int) {
    self.address = address
    self.prefix = prefix
  }

  init?(_ s: String) {
    let parts = s.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let ip = CIDR.parseIP(String(parts[0])), let p = Int(parts[1]),
      p >= 0, p <= ip.count * 8
    else { return nil }
    address = ip
    prefix = p
  }

  func contains(_ o: CIDR) -> Bool {
    guard o.address.count == address.count, o.prefix >= prefix else { return false }
    for bit in 0..<prefix {
      let byte = bit / 8
      let mask = UInt8(0x80) >> UInt8(bit % 8)
      if address[byte] & mask != o.address[byte] & mask { return false }
    }
    return true
  }

  static func parseIP(_ s: String) -> [UInt8]? {
    if s.contains(":") {
      let halves = s.components(separatedBy: "::")
      guard halves.count <= 2 else { return nil }
      func groups(_ t: String) -> [UInt16]? {
        if t.isEmpty { return [] }
        var out: [UInt16] = []
        for g in t.split(separator: ":", omittingEmptySubsequences: false) {
          guard g.count <= 4, let v = UInt16(g, radix: 16) else { return nil }
          out.append(v)
        }
        return out
      }
      guard let a = groups(halves[0]) else { return nil }
      var all = a
      if halves.count == 2 {
        guard let b = groups(halves[1]), a.count + b.count < 8 else { return nil }
        all = a + [UInt16](repeating: 0, count: 8 - a.count - b.count) + b
      }
      guard all.count == 8 else { return nil }
      return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
    }
    let parts = s.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 4 else { return nil }
    var out: [UInt8] = []
    for p in parts {
      guard !p.isEmpty, p.count <= 3, let v = UInt8(p) else { return nil }
      out.append(v)
    }
    return out
  }
}

/// `units.parse` / `units.parse_bytes` (decimal and binary SI suffixes).
enum Units {
  static func parse(_ s: String, bytes: Bool) throws -> Value {
    let name = bytes ? "units.parse_bytes" : "units.parse"
    var t = s.replacingOccurrences(of: "\"", with: "")
    guard !t.contains(" ") else {
      throw builtinError(name, "spaces not allowed in resource strings")
    }
    var numPart = ""
    while let c = t.first, c.isNumber || c == "." || c == "-" || c == "+" {
      numPart.append(c)
      t.removeFirst()
    }
    guard let n = Double(numPart) else {
      throw builtinError(name, "could not parse amount to a number")
    }
    var suffix = t.lowercased()
    if bytes, suffix.hasSuffix("b") { suffix.removeLast() }
    let table: [String: Double] = [
      "": 1, "k": 1e3, "m": bytes ? 1e6 : 1e-3, "g": 1e9, "t": 1e12, "p": 1e15, "e": 1e18,
      "ki": 1024, "mi": 1_048_576, "gi": 1_073_741_824, "ti": 1_099_511_627_776,
      "pi": 1_125_899_906_842_624, "ei": 1_152_921_504_606_846_976,
    ]
    var key = suffix
    if !bytes, t == "M" { key = "mega" }
    let mult: Double? = key == "mega" ? 1e6 : table[key]
    guard let mult else { throw builtinError(name, "unknown unit suffix \(t)") }
    let v = n * mult
    return bytes ? .double(v.rounded(.towardZero)) : .double(v)
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
