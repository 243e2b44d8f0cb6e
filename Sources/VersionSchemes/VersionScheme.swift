import TailguardModel

/// A version that failed to parse under a scheme.
public struct VersionParseError: Error, Sendable, Hashable, CustomStringConvertible {
  public let scheme: String
  public let input: String
  public let reason: String
  public init(scheme: String, input: String, reason: String) {
    self.scheme = scheme
    self.input = input
    self.reason = reason
  }
  public var description: String { "invalid \(scheme) version '\(input.prefix(200))': \(reason)" }
}

/// One ecosystem's version ordering. One type per ecosystem, one file each.
public protocol VersionScheme: Sendable {
  associatedtype Version: Comparable & Sendable
  /// Short stable name used on the command line and in match evidence (`deb`, `rpm`, `pypi`, …).
  static var name: String { get }
  static func parse(_ text: String) throws(VersionParseError) -> Version
}

extension VersionScheme {
  /// Compares two version strings; throws when either does not parse.
  public static func compare(_ a: String, _ b: String) throws(VersionParseError) -> Int {
    let x = try parse(a)
    let y = try parse(b)
    return x < y ? -1 : (x == y ? 0 : 1)
  }
}
