/// A parsed `WWW-Authenticate` challenge (RFC 7235): a scheme and its auth-params.
///
/// Registries send `Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"`.
/// Real servers vary (unquoted values, spaces around `=`, commas inside quotes in `scope`, several
/// challenges in one header), so the parser is a small tokenizer rather than a split on commas.
public struct AuthChallenge: Hashable, Sendable {
  public var scheme: String
  /// Parameter names lower-cased; values unquoted and unescaped.
  public var parameters: [String: String]

  public init(scheme: String, parameters: [String: String] = [:]) {
    self.scheme = scheme
    self.parameters = parameters
  }

  public var realm: String? { parameters["realm"] }
  public var service: String? { parameters["service"] }
  public var scope: String? { parameters["scope"] }
  public var isBearer: Bool { scheme.lowercased() == "bearer" }
  public var isBasic: Bool { scheme.lowercased() == "basic" }

  /// Parses every challenge in a header value. Header values longer than 8 KiB, or with more
  /// than 64 parameters, are refused (returns what was parsed so far) — hostile-input limit.
  public static func parse(_ header: String) -> [AuthChallenge] {
    let bytes = Array(header.utf8.prefix(8192))
    var i = 0
    var out: [AuthChallenge] = []
    func skipSpace() { while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 } }
    func isTokenChar(_ b: UInt8) -> Bool {
      b > 0x20 && b < 0x7F && b != 0x2C && b != 0x3D && b != 0x22 && b != 0x3B
    }
    func token() -> String {
      let start = i
      while i < bytes.count, isTokenChar(bytes[i]) { i += 1 }
      return String(decoding: bytes[start..<i], as: UTF8.self)
    }
    // token68 values (e.g. `Basic abc==`) are accepted as a parameter-less challenge.
    while i < bytes.count, out.count < 16 {
      skipSpace()
      while i < bytes.count, bytes[i] == 0x2C {
        i += 1
        skipSpace()
      }
      let scheme = token()
      if scheme.isEmpty {
        if i < bytes.count { i += 1 }
        continue
      }
      var challenge = AuthChallenge(scheme: scheme)
      var paramCount = 0
      while i < bytes.count, paramCount < 64 {
        skipSpace()
        while i < bytes.count, bytes[i] == 0x2C {
          i += 1
          skipSpace()
        }
        let save = i
        let name = token()
        skipSpace()
        guard !name.isEmpty, i < bytes.count, bytes[i] == 0x3D else {
          // Not `name=`: it is the next challenge's scheme (or a token68 we ignore).
          i = save
          if !name.isEmpty, paramCount == 0 {
            // token68 after the scheme: skip it including trailing '='.
            i = save + name.utf8.count
            while i < bytes.count, bytes[i] == 0x3D { i += 1 }
            continue
          }
          break
        }
        i += 1  // '='
        skipSpace()
        var value = ""
        if i < bytes.count, bytes[i] == 0x22 {
          i += 1
          var v: [UInt8] = []
          while i < bytes.count, bytes[i] != 0x22 {
            if bytes[i] == 0x5C, i + 1 < bytes.count { i += 1 }
            v.append(bytes[i])
            i += 1
          }
          if i < bytes.count { i += 1 }  // closing quote
          value = String(decoding: v, as: UTF8.self)
        } else {
          value = token()
        }
        challenge.parameters[name.lowercased()] = value
        paramCount += 1
        skipSpace()
        if i < bytes.count, bytes[i] == 0x2C { i += 1 }
      }
      out.append(challenge)
    }
    return out
  }
}
