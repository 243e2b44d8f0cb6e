import Foundation

/// A package URL (https://github.com/package-url/purl-spec): `pkg:type/namespace/name@version?qualifiers#subpath`.
/// `description` is the canonical form: lowercase type, qualifiers sorted by key, components
/// percent-encoded, empty qualifier values dropped.
public struct PackageURL: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
  public var type: String
  public var namespace: String?
  public var name: String
  public var version: String?
  public var qualifiers: [String: String]
  public var subpath: String?

  public init(
    type: String, namespace: String? = nil, name: String, version: String? = nil,
    qualifiers: [String: String] = [:], subpath: String? = nil
  ) {
    self.type = type.lowercased()
    self.namespace = namespace.flatMap { $0.isEmpty ? nil : $0 }
    self.name = name
    self.version = version.flatMap { $0.isEmpty ? nil : $0 }
    self.qualifiers = qualifiers.filter { !$0.value.isEmpty }
    self.subpath = subpath.flatMap { $0.isEmpty ? nil : $0 }
  }

  public var description: String {
    var out = "pkg:\(type)/"
    if let namespace {
      out += namespace.split(separator: "/").map { Self.encode(String($0)) }.joined(separator: "/")
      out += "/"
    }
    out += Self.encode(name)
    if let version { out += "@" + Self.encode(version) }
    if !qualifiers.isEmpty {
      out += "?"
      out += qualifiers.keys.sorted().map { "\($0.lowercased())=\(Self.encode(qualifiers[$0]!))" }
        .joined(separator: "&")
    }
    if let subpath {
      out +=
        "#" + subpath.split(separator: "/").map { Self.encode(String($0)) }.joined(separator: "/")
    }
    return out
  }

  public static func < (a: PackageURL, b: PackageURL) -> Bool { a.description < b.description }

  /// Parses a purl. Follows the spec's parsing algorithm (right to left: subpath, qualifiers,
  /// version; then type, namespace and name).
  public init(parsing text: String) throws(ModelError) {
    guard text.utf8.count <= 4096 else {
      throw ModelError(.invalidPackageURL, "purl longer than 4096 bytes")
    }
    var rest = Substring(text)
    var subpath: String?
    if let hash = rest.lastIndex(of: "#") {
      let raw = rest[rest.index(after: hash)...].split(separator: "/").filter {
        $0 != "." && $0 != ".."
      }
      subpath = raw.map { Self.decode(String($0)) }.joined(separator: "/")
      rest = rest[..<hash]
    }
    var qualifiers: [String: String] = [:]
    if let q = rest.lastIndex(of: "?") {
      for pair in rest[rest.index(after: q)...].split(separator: "&") {
        guard let eq = pair.firstIndex(of: "=") else { continue }
        let key = pair[..<eq].lowercased()
        let value = Self.decode(String(pair[pair.index(after: eq)...]))
        if !value.isEmpty { qualifiers[key] = value }
      }
      rest = rest[..<q]
    }
    guard rest.utf8.count >= 4,
      String(decoding: rest.utf8.prefix(4), as: UTF8.self).lowercased() == "pkg:"
    else {
      throw ModelError(
        .invalidPackageURL, "'\(text.prefix(200))' is not a purl: missing 'pkg:' scheme")
    }
    rest = rest.dropFirst(4)
    while rest.hasPrefix("/") { rest = rest.dropFirst() }
    guard let slash = rest.firstIndex(of: "/") else {
      throw ModelError(
        .invalidPackageURL, "'\(text.prefix(200))' is not a purl: missing type or name")
    }
    let type = rest[..<slash].lowercased()
    guard !type.isEmpty,
      type.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" })
    else { throw ModelError(.invalidPackageURL, "'\(text.prefix(200))' has an invalid purl type") }
    rest = rest[rest.index(after: slash)...]
    var version: String?
    if let at = rest.lastIndex(of: "@") {
      version = Self.decode(String(rest[rest.index(after: at)...]))
      rest = rest[..<at]
    }
    var segments = rest.split(separator: "/").map { Self.decode(String($0)) }
    guard let name = segments.popLast(), !name.isEmpty else {
      throw ModelError(.invalidPackageURL, "'\(text.prefix(200))' has no package name")
    }
    self.init(
      type: type, namespace: segments.isEmpty ? nil : segments.joined(separator: "/"), name: name,
      version: version, qualifiers: qualifiers, subpath: subpath)
  }

  public init(from decoder: any Decoder) throws {
    try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
  }
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encode(description)
  }

  private static let allowed: Set<UInt8> = Set(
    Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_~".utf8))

  static func encode(_ s: String) -> String {
    // Most names and versions need no escaping: returned as they are.
    if s.utf8.allSatisfy({ allowed.contains($0) }) { return s }
    let hex = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(s.utf8.count * 3)
    for b in s.utf8 {
      if allowed.contains(b) {
        out.append(b)
      } else {
        out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 0xF)]]
      }
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// Percent-decoding; text without `%` (nearly all of it) is returned as it is.
  /// A malformed escape, or escapes that do not decode to UTF-8, leave the text as written
  /// (Foundation's `removingPercentEncoding` answers nil for some of those and repairs others).
  static func decode(_ s: String) -> String {
    guard s.utf8.contains(UInt8(ascii: "%")) else { return s }
    func hex(_ b: UInt8) -> UInt8? {
      switch b {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
      default: nil
      }
    }
    let bytes = Array(s.utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var i = 0
    while i < bytes.count {
      if bytes[i] == UInt8(ascii: "%") {
        guard i + 2 < bytes.count, let high = hex(bytes[i + 1]), let low = hex(bytes[i + 2])
        else { return s }
        out.append(high << 4 | low)
        i += 3
      } else {
        out.append(bytes[i])
        i += 1
      }
    }
    return String(validating: out, as: UTF8.self) ?? s
  }
}
