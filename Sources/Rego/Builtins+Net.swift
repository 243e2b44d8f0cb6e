/// `net.cidr_*` with Go's `net` semantics (OPA's `topdown/cidr.go`): addresses
/// parse as `net.ParseIP` / `net.ParseCIDR` do (no IPv4 leading zeros, IPv4
/// embedded in IPv6, no zones), containment follows `IPNet.Contains` (an
/// IPv4-mapped IPv6 address is an IPv4 address) and addresses print as
/// `IP.String()` does.
enum GoNet {
  /// 4 or 16 bytes, as Go's `net.IP`.
  typealias IP = [UInt8]

  struct Network: Hashable {
    var ip: IP
    /// nil for an address without a default mask (class D/E), which Go prints as "<nil>".
    var mask: [UInt8]?
  }

  static let v4InV6Prefix: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]

  static func to4(_ ip: IP) -> IP? {
    if ip.count == 4 { return ip }
    if ip.count == 16, Array(ip[0..<12]) == v4InV6Prefix { return Array(ip[12...]) }
    return nil
  }

  static func to16(_ ip: IP) -> IP { ip.count == 4 ? v4InV6Prefix + ip : ip }

  // MARK: parsing (netip.ParseAddr)

  /// `net.ParseIP`: 16 bytes (IPv4 as IPv4-mapped), nil when invalid or zoned.
  static func parseIP(_ s: String) -> IP? {
    guard let (ip, is4) = parseAddr(Array(s.utf8)) else { return nil }
    return is4 ? v4InV6Prefix + ip : ip
  }

  /// (bytes, isIPv4): 4 bytes for dotted IPv4, 16 for IPv6.
  static func parseAddr(_ s: [UInt8]) -> (IP, Bool)? {
    for c in s {
      if c == UInt8(ascii: ".") { return parseIPv4(s[...]).map { ($0, true) } }
      if c == UInt8(ascii: ":") { return parseIPv6(s).map { ($0, false) } }
      if c == UInt8(ascii: "%") { return nil }
    }
    return nil
  }

  static func parseIPv4(_ s: ArraySlice<UInt8>) -> IP? {
    var out: [UInt8] = []
    var value = 0
    var digits = 0
    for c in s {
      if c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
        if digits == 1, value == 0 { return nil }  // leading zero
        value = value * 10 + Int(c - UInt8(ascii: "0"))
        digits += 1
        if value > 255 { return nil }
      } else if c == UInt8(ascii: ".") {
        guard digits > 0, out.count < 3 else { return nil }
        out.append(UInt8(value))
        value = 0
        digits = 0
      } else {
        return nil
      }
    }
    guard digits > 0, out.count == 3 else { return nil }
    out.append(UInt8(value))
    return out
  }

  static func parseIPv6(_ s: [UInt8]) -> IP? {
    if s.contains(UInt8(ascii: "%")) { return nil }  // zones are not IPs for ParseIP
    var groups: [UInt16] = []
    var ellipsis: Int? = nil
    var i = 0
    if s.starts(with: [UInt8(ascii: ":"), UInt8(ascii: ":")]) {
      ellipsis = 0
      i = 2
      if i == s.count { return [UInt8](repeating: 0, count: 16) }
    }
    var tail: [UInt8] = []
    while i < s.count {
      // one hex group, or an embedded IPv4 address at the end
      var j = i
      var v = 0
      while j < s.count, j - i < 5, let h = hexValue(s[j]) {
        v = v * 16 + h
        j += 1
      }
      if j == i || j - i > 4 { return nil }
      if j < s.count, s[j] == UInt8(ascii: ".") {
        // IPv4 tail: must end the address and leave room for two groups
        guard ellipsis != nil || groups.count == 6, groups.count <= 6,
          let v4 = parseIPv4(s[i...])
        else { return nil }
        tail = v4
        i = s.count
        break
      }
      groups.append(UInt16(v))
      i = j
      if i == s.count { break }
      guard s[i] == UInt8(ascii: ":") else { return nil }
      i += 1
      if i < s.count, s[i] == UInt8(ascii: ":") {
        guard ellipsis == nil else { return nil }
        ellipsis = groups.count
        i += 1
        if i == s.count { break }
      } else if i == s.count {
        return nil  // trailing single colon
      }
      if groups.count > 8 { return nil }
    }
    var words = groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] } + tail
    if let e = ellipsis {
      let missing = 16 - words.count
      guard missing >= 2 else { return nil }
      let split = e * 2
      words =
        Array(words[..<split]) + [UInt8](repeating: 0, count: missing) + Array(words[split...])
    }
    return words.count == 16 ? words : nil
  }

  static func hexValue(_ c: UInt8) -> Int? {
    switch c {
    case 0x30...0x39: return Int(c - 0x30)
    case 0x61...0x66: return Int(c - 0x61 + 10)
    case 0x41...0x46: return Int(c - 0x41 + 10)
    default: return nil
    }
  }

  /// `net.ParseCIDR`: the masked network (IPv4 networks have 4-byte IP and mask).
  static func parseCIDR(_ s: String) -> (ip: IP, net: Network)? {
    let b = Array(s.utf8)
    guard let slash = b.firstIndex(of: UInt8(ascii: "/")),
      let (addr, is4) = parseAddr(Array(b[..<slash]))
    else { return nil }
    let bits = is4 ? 32 : 128
    let m = b[(slash + 1)...]
    guard !m.isEmpty, m.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), m.count < 10,
      let n = Int(String(decoding: m, as: UTF8.self)), n <= bits
    else { return nil }
    let mask = cidrMask(n, bits)
    let ip16 = to16(addr)
    return (ip16, Network(ip: applyMask(ip16, mask) ?? [], mask: mask))
  }

  static func cidrMask(_ ones: Int, _ bits: Int) -> [UInt8] {
    (0..<(bits / 8)).map { i in
      let n = ones - i * 8
      if n >= 8 { return 0xff }
      if n <= 0 { return 0 }
      return UInt8(0xff) << UInt8(8 - n)
    }
  }

  /// `IP.Mask`.
  static func applyMask(_ ip: IP, _ mask: [UInt8]) -> IP? {
    var ip = ip
    if mask.count == 16, ip.count == 4, Array(mask[0..<12]).allSatisfy({ $0 == 0xff }) {
      return applyMask(ip, Array(mask[12...]))
    }
    if mask.count == 4, ip.count == 16, Array(ip[0..<12]) == v4InV6Prefix { ip = Array(ip[12...]) }
    guard ip.count == mask.count else { return nil }
    return zip(ip, mask).map { $0 & $1 }
  }

  /// `networkNumberAndMask`.
  static func numberAndMask(_ n: Network) -> (IP, [UInt8])? {
    guard var m = n.mask else { return nil }
    var ip = to4(n.ip) ?? n.ip
    if to4(n.ip) == nil, n.ip.count != 16 { return nil }
    switch m.count {
    case 4: if ip.count != 4 { return nil }
    case 16: if ip.count == 4 { m = Array(m[12...]) }
    default: return nil
    }
    if ip.isEmpty { ip = [] }
    return (ip, m)
  }

  /// `IPNet.Contains`.
  static func contains(_ n: Network, _ ip: IP) -> Bool {
    guard let (nn, m) = numberAndMask(n) else { return false }
    let x = to4(ip) ?? ip
    guard x.count == nn.count else { return false }
    for i in 0..<x.count where nn[i] & m[i] != x[i] & m[i] { return false }
    return true
  }

  /// Prefix length of a canonical mask (`IPMask.Size`), nil otherwise.
  static func ones(_ m: [UInt8]) -> Int? {
    var n = 0
    var done = false
    for b in m {
      for bit in (0..<8).reversed() {
        if b >> UInt8(bit) & 1 == 1 {
          if done { return nil }
          n += 1
        } else {
          done = true
        }
      }
    }
    return n
  }

  /// The last address of a network (`getLastIP`).
  static func lastIP(_ n: Network) -> IP? {
    guard let m = n.mask, ones(m) != nil else { return nil }
    var ip = n.ip
    if ip.count == 16, m.count == 4 { ip = Array(ip[12...]) }
    guard ip.count == m.count else { return nil }
    return zip(ip, m).map { $0 | ~$1 }
  }

  // MARK: printing

  /// `IP.String()`.
  static func string(_ ip: IP) -> String {
    if let v4 = to4(ip) { return v4.map { String($0) }.joined(separator: ".") }
    guard ip.count == 16 else { return "?" }
    let words = (0..<8).map { Int(ip[2 * $0]) << 8 | Int(ip[2 * $0 + 1]) }
    var bestStart = -1
    var bestLen = 0
    var i = 0
    while i < 8 {
      var j = i
      while j < 8, words[j] == 0 { j += 1 }
      if j - i >= 2, j - i > bestLen {
        bestStart = i
        bestLen = j - i
      }
      i = j + 1
    }
    var out = ""
    i = 0
    while i < 8 {
      if i == bestStart {
        out += "::"
        i += bestLen
        continue
      }
      if i > 0, !out.hasSuffix(":") { out += ":" }
      out += String(words[i], radix: 16)
      i += 1
    }
    return out
  }

  /// `IPNet.String()`: the (unmasked) network number and prefix length.
  static func string(_ n: Network) -> String {
    guard let (nn, m) = numberAndMask(n) else { return "<nil>" }
    guard let l = ones(m) else {
      return string(nn) + "/" + m.map { String(format: "%02x", $0) }.joined()
    }
    return string(nn) + "/" + String(l)
  }

  /// The classful default mask of an IPv4 address (`IP.DefaultMask`).
  static func defaultMask(_ ip: IP) -> [UInt8]? {
    guard let v4 = to4(ip) else { return nil }
    switch v4[0] {
    case 0..<0x80: return cidrMask(8, 32)
    case 0x80..<0xc0: return cidrMask(16, 32)
    case 0xc0..<0xe0: return cidrMask(24, 32)
    default: return nil
    }
  }

  // MARK: merging

  static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
    for (x, y) in zip(a, b) where x != y { return x < y ? -1 : 1 }
    return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
  }

  /// First and last address of a network in 16-byte form (IPv4 mapped).
  static func addressRange(_ n: Network) -> ([UInt8], [UInt8]) {
    guard let m = n.mask, let first0 = applyMask(n.ip, m) else { return ([], []) }
    var first = first0
    if to4(first) != nil, first.count == 4 { first = v4InV6Prefix + first }
    var last = first
    for i in 0..<m.count { last[16 - i - 1] |= ~m[m.count - i - 1] }
    return (first, last)
  }

  static func previous(_ ip: [UInt8]) -> [UInt8] {
    if ip.isEmpty || ip == v4InV6Prefix + [0, 0, 0, 0] || ip.allSatisfy({ $0 == 0 }) { return ip }
    var r = ip
    var i = r.count - 1
    while i >= 0 {
      if r[i] > 0 {
        r[i] -= 1
        break
      }
      r[i] = 0xff
      i -= 1
    }
    return r
  }

  /// OPA's `net.cidr_merge`: sort the ranges by (last, first), fold each into its
  /// predecessor when adjacent or overlapping; an untouched range keeps its own
  /// network text, a merged one is split into the fewest CIDR blocks.
  static func merge(_ networks: [Network]) -> Set<String> {
    struct R {
      var first: [UInt8]
      var last: [UInt8]
      var network: Network?
    }
    var ranges = networks.map { n -> R in
      let (f, l) = addressRange(n)
      return R(first: f, last: l, network: n)
    }
    ranges.sort { a, b in
      let c = compare(a.last, b.last)
      return c != 0 ? c < 0 : compare(a.first, b.first) < 0
    }
    var i = ranges.count - 1
    while i > 0 {
      if compare(previous(ranges[i].first), ranges[i - 1].last) <= 0 {
        let first =
          compare(ranges[i - 1].first, ranges[i].first) < 0 ? ranges[i - 1].first : ranges[i].first
        ranges[i - 1] = R(first: first, last: ranges[i].last, network: nil)
        ranges.remove(at: i)
      }
      i -= 1
    }
    var out = Set<String>()
    for r in ranges {
      if let n = r.network {
        out.insert(string(n))
      } else {
        for block in rangeToCIDRs(r.first, r.last) { out.insert(block) }
      }
    }
    return out
  }

  /// The fewest CIDR blocks covering [first, last] (16-byte addresses).
  static func rangeToCIDRs(_ first: [UInt8], _ last: [UInt8]) -> [String] {
    let v4 = Array(first.prefix(12)) == v4InV6Prefix && Array(last.prefix(12)) == v4InV6Prefix
    let bits = v4 ? 32 : 128
    var lo = UInt128Bits(v4 ? Array(first[12...]) : first)
    let hi = UInt128Bits(v4 ? Array(last[12...]) : last)
    var out: [String] = []
    while lo <= hi {
      // the largest block aligned at lo that ends within hi
      var size = lo.trailingZeroBits(bits)
      while size > 0, lo.blockEnd(size) > hi { size -= 1 }
      out.append(string(lo.bytes(count: bits / 8)) + "/" + String(bits - size))
      guard let next = lo.adding(powerOfTwo: size) else { break }
      lo = next
    }
    return out
  }
}

/// A 128-bit unsigned integer as two 64-bit halves (for CIDR arithmetic).
struct UInt128Bits: Comparable {
  var hi: UInt64
  var lo: UInt64

  init(_ bytes: [UInt8]) {
    var h: UInt64 = 0
    var l: UInt64 = 0
    let padded = [UInt8](repeating: 0, count: max(0, 16 - bytes.count)) + bytes
    for b in padded[0..<8] { h = h << 8 | UInt64(b) }
    for b in padded[8..<16] { l = l << 8 | UInt64(b) }
    hi = h
    lo = l
  }

  init(hi: UInt64, lo: UInt64) {
    self.hi = hi
    self.lo = lo
  }

  static func < (a: UInt128Bits, b: UInt128Bits) -> Bool {
    a.hi != b.hi ? a.hi < b.hi : a.lo < b.lo
  }

  /// Trailing zero bits, at most `bits`.
  func trailingZeroBits(_ bits: Int) -> Int {
    if lo != 0 { return min(bits, lo.trailingZeroBitCount) }
    if hi != 0 { return min(bits, 64 + hi.trailingZeroBitCount) }
    return bits
  }

  /// self + 2^p (nil on overflow past 128 bits).
  func adding(powerOfTwo p: Int) -> UInt128Bits? {
    if p >= 128 { return nil }
    if p >= 64 {
      let (h, o) = hi.addingReportingOverflow(1 << UInt64(p - 64))
      return o ? nil : UInt128Bits(hi: h, lo: lo)
    }
    let (l, o) = lo.addingReportingOverflow(1 << UInt64(p))
    if !o { return UInt128Bits(hi: hi, lo: l) }
    let (h, o2) = hi.addingReportingOverflow(1)
    return o2 ? nil : UInt128Bits(hi: h, lo: l)
  }

  /// self | (2^size - 1): the last address of a block of 2^size starting at self.
  func blockEnd(_ size: Int) -> UInt128Bits {
    if size >= 128 { return UInt128Bits(hi: .max, lo: .max) }
    if size >= 64 {
      let mask: UInt64 = size == 64 ? 0 : (1 << UInt64(size - 64)) - 1
      return UInt128Bits(hi: hi | mask, lo: .max)
    }
    let mask: UInt64 = size == 0 ? 0 : (1 << UInt64(size)) - 1
    return UInt128Bits(hi: hi, lo: lo | mask)
  }

  func bytes(count: Int) -> [UInt8] {
    var out: [UInt8] = []
    for i in (0..<8).reversed() { out.append(UInt8(truncatingIfNeeded: hi >> UInt64(i * 8))) }
    for i in (0..<8).reversed() { out.append(UInt8(truncatingIfNeeded: lo >> UInt64(i * 8))) }
    return Array(out.suffix(count))
  }
}

extension Builtins {
  static func cidrNetwork(_ v: Value, _ operand: Int, _ name: String) throws -> GoNet.Network {
    guard case .string(let s) = v else {
      throw typeError(name, "operand \(operand) must be string but got \(v.typeName)")
    }
    guard let n = GoNet.parseCIDR(s) else {
      throw builtinError(name, "invalid CIDR address: \(s)")
    }
    return n.net
  }

  /// `net.cidr_contains`: b is an address, else a network that must lie inside a.
  static func cidrContains(_ a: Value, _ b: Value, _ name: String) throws -> Bool {
    let net = try cidrNetwork(a, 1, name)
    guard case .string(let bs) = b else {
      throw typeError(name, "operand 1 must be string but got \(b.typeName)")
    }
    if let ip = GoNet.parseIP(bs) { return GoNet.contains(net, ip) }
    guard let other = GoNet.parseCIDR(bs)?.net else {
      throw builtinError(name, "not a valid textual representation of an IP address or CIDR: \(bs)")
    }
    guard GoNet.contains(net, other.ip) else { return false }
    guard let last = GoNet.lastIP(other) else {
      throw builtinError(name, "CIDR mask is in non-standard format")
    }
    return GoNet.contains(net, last)
  }

  mutating func registerNet() {
    for name in ["net.cidr_contains", "net.cidr_overlap"] {
      register(name, arity: 2) { a, _ in .bool(try Builtins.cidrContains(a[0], a[1], name)) }
    }
    register("net.cidr_intersects", arity: 2) { a, _ in
      let x = try Builtins.cidrNetwork(a[0], 1, "net.cidr_intersects")
      let y = try Builtins.cidrNetwork(a[1], 1, "net.cidr_intersects")
      return .bool(GoNet.contains(x, y.ip) || GoNet.contains(y, x.ip))
    }
    register("net.cidr_is_valid", arity: 1) { a, _ in
      guard case .string(let s) = a[0] else { return .bool(false) }
      return .bool(GoNet.parseCIDR(s) != nil)
    }
    register("net.cidr_expand", arity: 1) { a, ctx in
      let s = try argString(a, 0, "net.cidr_expand")
      guard let (ip, net) = GoNet.parseCIDR(s), let m = net.mask, let ones = GoNet.ones(m) else {
        throw builtinError("net.cidr_expand", "invalid CIDR address: \(s)")
      }
      let hostBits = m.count * 8 - ones
      if hostBits >= 62 || (1 << hostBits) > ctx.limits.maxCollectionSize {
        throw RegoError(
          .limitExceeded,
          "net.cidr_expand: \(s) has more than \(ctx.limits.maxCollectionSize) addresses")
      }
      var cur = GoNet.applyMask(ip, m) ?? []
      var out = Set<Value>()
      for _ in 0..<(1 << hostBits) {
        out.insert(.string(GoNet.string(cur)))
        var j = cur.count - 1
        while j >= 0 {
          cur[j] &+= 1
          if cur[j] != 0 { break }
          j -= 1
        }
      }
      return .set(out)
    }
    register("net.cidr_merge", arity: 1) { a, ctx in
      let items: [Value]
      switch a[0] {
      case .array(let x): items = x
      case .set(let x): items = x.sorted()
      default: throw builtinError("net.cidr_merge", "operand must be an array")
      }
      try checkSize(items.count, ctx, "net.cidr_merge")
      var nets: [GoNet.Network] = []
      for v in items {
        guard case .string(let e) = v else {
          throw builtinError("net.cidr_merge", "element must be string")
        }
        if let ip = GoNet.parseIP(e) {
          guard GoNet.to4(ip) != nil else {
            throw builtinError("net.cidr_merge", "IPv6 invalid: needs prefix length")
          }
          nets.append(GoNet.Network(ip: ip, mask: GoNet.defaultMask(ip)))
        } else if let n = GoNet.parseCIDR(e) {
          nets.append(n.net)
        } else {
          throw builtinError("net.cidr_merge", "invalid CIDR address: \(e)")
        }
      }
      return .set(Set(GoNet.merge(nets).map { Value.string($0) }))
    }
    register("net.cidr_contains_matches", arity: 2) { a, ctx in
      func entries(_ v: Value, _ operand: Int) throws -> [(Value, Value)] {
        func cidr(_ x: Value) throws -> Value {
          switch x {
          case .string: return x
          case .array(let arr) where !arr.isEmpty: return arr[0]
          default:
            throw builtinError(
              "net.cidr_contains_matches",
              "operand \(operand): element must be string or non-empty array")
          }
        }
        switch v {
        case .string: return [(v, v)]
        case .array(let arr): return try arr.enumerated().map { (try cidr($1), .int($0)) }
        case .set(let s): return try s.sorted().map { (try cidr($0), $0) }
        case .object(let o): return try o.keys.sorted().map { (try cidr(o[$0] ?? .null), $0) }
        default: return []
        }
      }
      let xs = try entries(a[0], 1)
      let ys = try entries(a[1], 2)
      try checkSize(xs.count * max(1, ys.count), ctx, "net.cidr_contains_matches")
      var out = Set<Value>()
      for (c1, i1) in xs {
        for (c2, i2) in ys where try Builtins.cidrContains(c1, c2, "net.cidr_contains_matches") {
          out.insert(.array([i1, i2]))
        }
      }
      return .set(out)
    }
  }
}
