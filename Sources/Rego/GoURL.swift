/// Go's `net/url.Parse` (what OPA's `uri.parse` / `uri.is_valid` call) and
/// `url.ParseQuery` (`urlquery.decode_object`), restated byte for byte: the same
/// inputs are accepted and split into the same components.
struct GoURL {
  var scheme = ""
  var opaque = ""
  var host = ""
  var path = ""
  var rawPath = ""
  var rawQuery = ""
  var fragment = ""
  var rawFragment = ""
  var forceQuery = false
  var omitHost = false
  /// userinfo, when present: (username, password or nil)
  var user: (String, String?)? = nil
  var hasUser: Bool { user != nil }

  struct ParseError: Error {
    var message: String
  }

  enum Mode {
    case path, pathSegment, host, zone, userPassword, queryComponent, fragment
  }

  static func parse(_ raw: String) throws -> GoURL {
    let bytes = Array(raw.utf8)
    var main = bytes[...]
    var frag: ArraySlice<UInt8>? = nil
    if let h = bytes.firstIndex(of: UInt8(ascii: "#")) {
      main = bytes[..<h]
      frag = bytes[(h + 1)...]
    }
    var u = try parseMain(Array(main), raw: String(decoding: main, as: UTF8.self))
    if let frag, !frag.isEmpty {
      do {
        u.fragment = try unescape(Array(frag), .fragment)
      } catch let e as ParseError {
        throw ParseError(message: "parse \(quote(raw)): \(e.message)")
      }
      let f = String(decoding: frag, as: UTF8.self)
      u.rawFragment = escape(Array(u.fragment.utf8), .fragment) == f ? "" : f
    }
    return u
  }

  static func parseMain(_ s: [UInt8], raw: String) throws -> GoURL {
    do { return try parseInner(s) } catch let e as ParseError {
      throw ParseError(message: "parse \(quote(raw)): \(e.message)")
    }
  }

  static func parseInner(_ s: [UInt8]) throws -> GoURL {
    if s.contains(where: { $0 < 0x20 || $0 == 0x7f }) {
      throw ParseError(message: "net/url: invalid control character in URL")
    }
    var u = GoURL()
    if s == Array("*".utf8) {
      u.path = "*"
      return u
    }
    let (scheme, afterScheme) = try getScheme(s)
    u.scheme = String(decoding: scheme, as: UTF8.self).lowercased()
    var rest = afterScheme
    let q = UInt8(ascii: "?")
    if rest.last == q, rest.filter({ $0 == q }).count == 1 {
      rest.removeLast()
      u.forceQuery = true
    } else if let i = rest.firstIndex(of: q) {
      u.rawQuery = String(decoding: rest[(i + 1)...], as: UTF8.self)
      rest = Array(rest[..<i])
    }
    let slash = UInt8(ascii: "/")
    if rest.first != slash {
      if !u.scheme.isEmpty {
        u.opaque = String(decoding: rest, as: UTF8.self)
        return u
      }
      let segment = rest.prefix(while: { $0 != slash })
      if segment.contains(UInt8(ascii: ":")) {
        throw ParseError(message: "first path segment in URL cannot contain colon")
      }
    }
    let startsDouble = rest.count >= 2 && rest[0] == slash && rest[1] == slash
    let startsTriple = startsDouble && rest.count >= 3 && rest[2] == slash
    if (!u.scheme.isEmpty || !startsTriple) && startsDouble {
      var authority = Array(rest[2...])
      rest = []
      if let i = authority.firstIndex(of: slash) {
        rest = Array(authority[i...])
        authority = Array(authority[..<i])
      }
      (u.host, u.user) = try parseAuthority(authority)
    } else if !u.scheme.isEmpty, rest.first == slash {
      u.omitHost = true
    }
    let p = try unescape(rest, .path)
    u.path = p
    let raw = String(decoding: rest, as: UTF8.self)
    u.rawPath = escape(Array(p.utf8), .path) == raw ? "" : raw
    return u
  }

  static func getScheme(_ s: [UInt8]) throws -> ([UInt8], [UInt8]) {
    for (i, c) in s.enumerated() {
      switch c {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): continue
      case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"),
        UInt8(ascii: "."):
        if i == 0 { return ([], s) }
      case UInt8(ascii: ":"):
        if i == 0 { throw ParseError(message: "missing protocol scheme") }
        return (Array(s[..<i]), Array(s[(i + 1)...]))
      default: return ([], s)
      }
    }
    return ([], s)
  }

  /// `[userinfo@]host[:port]`: the host and the unescaped userinfo.
  static func parseAuthority(_ a: [UInt8]) throws -> (String, (String, String?)?) {
    let at = a.lastIndex(of: UInt8(ascii: "@"))
    let host = try parseHost(at.map { Array(a[($0 + 1)...]) } ?? a)
    guard let at else { return (host, nil) }
    let userinfo = Array(a[..<at])
    if !validUserinfo(userinfo) { throw ParseError(message: "net/url: invalid userinfo") }
    if let c = userinfo.firstIndex(of: UInt8(ascii: ":")) {
      let name = try unescape(Array(userinfo[..<c]), .userPassword)
      let password = try unescape(Array(userinfo[(c + 1)...]), .userPassword)
      return (host, (name, password))
    }
    return (host, (try unescape(userinfo, .userPassword), nil))
  }

  static func parseHost(_ h: [UInt8]) throws -> String {
    if h.first == UInt8(ascii: "[") {
      guard let i = h.lastIndex(of: UInt8(ascii: "]")) else {
        throw ParseError(message: "missing ']' in host")
      }
      let colonPort = Array(h[(i + 1)...])
      if !validOptionalPort(colonPort) {
        throw ParseError(message: "invalid port \(quote(colonPort)) after host")
      }
      if let zone = find(Array("%25".utf8), in: Array(h[..<i])) {
        let h1 = try unescape(Array(h[..<zone]), .host)
        let h2 = try unescape(Array(h[zone..<i]), .zone)
        let h3 = try unescape(Array(h[i...]), .host)
        return h1 + h2 + h3
      }
    } else if let i = h.lastIndex(of: UInt8(ascii: ":")) {
      let colonPort = Array(h[i...])
      if !validOptionalPort(colonPort) {
        throw ParseError(message: "invalid port \(quote(colonPort)) after host")
      }
    }
    return try unescape(h, .host)
  }

  static func validOptionalPort(_ p: [UInt8]) -> Bool {
    if p.isEmpty { return true }
    guard p[0] == UInt8(ascii: ":") else { return false }
    return p.dropFirst().allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
  }

  static func validUserinfo(_ s: [UInt8]) -> Bool {
    let allowed = Set("-._:~!$&'()*+,;=%@".utf8)
    // Go ranges over runes: any non-ASCII rune is invalid, like other bytes.
    return s.allSatisfy { c in
      (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)
        || allowed.contains(c)
    }
  }

  /// Go's `validEncoded`: `s` is a valid escaped form in `mode`.
  static func validEncoded(_ s: [UInt8], _ mode: Mode) -> Bool {
    let always = Set("!$&'()*+,;=:@[]%".utf8)
    return s.allSatisfy { always.contains($0) || !shouldEscape($0, mode) }
  }

  var escapedPath: String {
    if !rawPath.isEmpty, GoURL.validEncoded(Array(rawPath.utf8), .path),
      (try? GoURL.unescape(Array(rawPath.utf8), .path)) == path
    {
      return rawPath
    }
    if path == "*" { return "*" }
    return GoURL.escape(Array(path.utf8), .path)
  }

  var escapedFragment: String {
    if !rawFragment.isEmpty, GoURL.validEncoded(Array(rawFragment.utf8), .fragment),
      (try? GoURL.unescape(Array(rawFragment.utf8), .fragment)) == fragment
    {
      return rawFragment
    }
    return GoURL.escape(Array(fragment.utf8), .fragment)
  }

  /// Go's `URL.String()`.
  var string: String {
    var out = ""
    if !scheme.isEmpty { out += scheme + ":" }
    if !opaque.isEmpty {
      out += opaque
    } else {
      if !scheme.isEmpty || !host.isEmpty || user != nil {
        if omitHost, host.isEmpty, user == nil {
        } else {
          if !host.isEmpty || !path.isEmpty || user != nil { out += "//" }
          if let (name, password) = user {
            out += GoURL.escape(Array(name.utf8), .userPassword)
            if let password { out += ":" + GoURL.escape(Array(password.utf8), .userPassword) }
            out += "@"
          }
          if !host.isEmpty { out += GoURL.escape(Array(host.utf8), .host) }
        }
      }
      let p = escapedPath
      if let f = p.first, f != "/", !host.isEmpty { out += "/" }
      if out.isEmpty, let seg = p.split(separator: "/", omittingEmptySubsequences: false).first,
        seg.contains(":")
      {
        out += "./"
      }
      out += p
    }
    if forceQuery || !rawQuery.isEmpty { out += "?" + rawQuery }
    if !fragment.isEmpty { out += "#" + escapedFragment }
    return out
  }

  /// `host` / `port` as `URL.Hostname()` / `URL.Port()` split them.
  var hostname: String { GoURL.splitHostPort(Array(host.utf8)).0 }
  var port: String { GoURL.splitHostPort(Array(host.utf8)).1 }

  static func splitHostPort(_ hp: [UInt8]) -> (String, String) {
    var h = hp[...]
    var port = ""
    if let c = hp.lastIndex(of: UInt8(ascii: ":")), validOptionalPort(Array(hp[c...])) {
      h = hp[..<c]
      port = String(decoding: hp[(c + 1)...], as: UTF8.self)
    }
    if h.first == UInt8(ascii: "["), h.last == UInt8(ascii: "]"), h.count >= 2 {
      h = h.dropFirst().dropLast()
    }
    return (String(decoding: h, as: UTF8.self), port)
  }

  static func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
    guard needle.count <= hay.count else { return nil }
    for i in 0...(hay.count - needle.count) where Array(hay[i..<i + needle.count]) == needle {
      return i
    }
    return nil
  }

  static func quote(_ b: [UInt8]) -> String { quote(String(decoding: b, as: UTF8.self)) }
  static func quote(_ s: String) -> String { JSONCodec.quote(s) }

  static func isHex(_ c: UInt8) -> Bool {
    (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)
  }

  static func unhex(_ c: UInt8) -> UInt8 {
    switch c {
    case 0x30...0x39: return c - 0x30
    case 0x61...0x66: return c - 0x61 + 10
    case 0x41...0x46: return c - 0x41 + 10
    default: return 0
    }
  }

  /// Go's `shouldEscape`.
  static func shouldEscape(_ c: UInt8, _ mode: Mode) -> Bool {
    if (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) {
      return false
    }
    if mode == .host || mode == .zone {
      if Array("!$&'()*+,;=:[]<>\"".utf8).contains(c) { return false }
    }
    switch c {
    case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"): return false
    case UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "+"), UInt8(ascii: ","),
      UInt8(ascii: "/"), UInt8(ascii: ":"), UInt8(ascii: ";"), UInt8(ascii: "="),
      UInt8(ascii: "?"), UInt8(ascii: "@"):
      switch mode {
      case .userPassword:
        return c == UInt8(ascii: "@") || c == UInt8(ascii: "/") || c == UInt8(ascii: "?")
          || c == UInt8(ascii: ":")
      case .queryComponent: return true
      case .fragment: return false
      case .path: return c == UInt8(ascii: "?")
      case .pathSegment:
        return c == UInt8(ascii: "/") || c == UInt8(ascii: ";") || c == UInt8(ascii: ",")
          || c == UInt8(ascii: "?")
      default: break
      }
    default: break
    }
    if mode == .fragment, Array("!()*".utf8).contains(c) { return false }
    return true
  }

  /// Go's `unescape`: `%XX` must be well formed; hosts may not %-escape ASCII
  /// (except `%25`) nor contain characters a host cannot hold.
  static func unescape(_ s: [UInt8], _ mode: Mode) throws -> String {
    var i = 0
    while i < s.count {
      switch s[i] {
      case UInt8(ascii: "%"):
        guard i + 2 < s.count, isHex(s[i + 1]), isHex(s[i + 2]) else {
          let bad = Array(s[i..<min(s.count, i + 3)])
          throw ParseError(message: "invalid URL escape \(quote(bad))")
        }
        let esc = Array(s[i..<i + 3])
        if mode == .host, unhex(s[i + 1]) < 8, esc != Array("%25".utf8) {
          throw ParseError(message: "invalid URL escape \(quote(esc))")
        }
        if mode == .zone {
          let v = unhex(s[i + 1]) << 4 | unhex(s[i + 2])
          if esc != Array("%25".utf8), v != 0x20, shouldEscape(v, .host) {
            throw ParseError(message: "invalid URL escape \(quote(esc))")
          }
        }
        i += 3
      default:
        if mode == .host || mode == .zone, s[i] < 0x80, shouldEscape(s[i], mode) {
          throw ParseError(message: "invalid character \(quote([s[i]])) in host name")
        }
        i += 1
      }
    }
    var out: [UInt8] = []
    out.reserveCapacity(s.count)
    i = 0
    while i < s.count {
      switch s[i] {
      case UInt8(ascii: "%"):
        out.append(unhex(s[i + 1]) << 4 | unhex(s[i + 2]))
        i += 3
      case UInt8(ascii: "+"):
        out.append(mode == .queryComponent ? 0x20 : s[i])
        i += 1
      default:
        out.append(s[i])
        i += 1
      }
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// Go's `escape` (upper-case hex; a space in a query component becomes `+`).
  static func escape(_ s: [UInt8], _ mode: Mode) -> String {
    let digits = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    for c in s {
      if shouldEscape(c, mode) {
        if c == 0x20, mode == .queryComponent {
          out.append(UInt8(ascii: "+"))
        } else {
          out += [UInt8(ascii: "%"), digits[Int(c >> 4)], digits[Int(c & 15)]]
        }
      } else {
        out.append(c)
      }
    }
    return String(decoding: out, as: UTF8.self)
  }
}

extension URLQuery {
  /// Go's `url.ParseQuery`: `&`-separated `key=value` pairs in order, both
  /// query-unescaped; the first error is reported after the whole string is read
  /// (as Go does), a `;` in a pair is an error.
  static func parseQuery(_ query: String) -> ([(String, String)], String?) {
    var out: [(String, String)] = []
    var error: String? = nil
    for pair in Builtins.splitString(query, "&") {
      if pair.contains(";") {
        error = "invalid semicolon separator in query"
        continue
      }
      if pair.isEmpty { continue }
      let bytes = Array(pair.utf8)
      let eq = bytes.firstIndex(of: UInt8(ascii: "="))
      let key = eq.map { Array(bytes[..<$0]) } ?? bytes
      let value = eq.map { Array(bytes[($0 + 1)...]) } ?? []
      do {
        let k = try GoURL.unescape(key, .queryComponent)
        let v = try GoURL.unescape(value, .queryComponent)
        out.append((k, v))
      } catch let e as GoURL.ParseError {
        if error == nil { error = e.message }
      } catch {
        continue
      }
    }
    return (out, error)
  }
}
