/// One unpinned reference and the rule it breaks.
public struct PinFinding: Sendable, Codable, Hashable {
  public var rule: PinRule
  public var level: PinLevel
  public var file: String
  public var line: Int
  public var reference: String
  public var resolved: String?
  public var source: ReferenceSource
  public var message: String
  /// True when the rule's verdict needs the registry and none was consulted.
  public var offline: Bool

  public init(
    rule: PinRule, level: PinLevel, file: String, line: Int, reference: String, resolved: String?,
    source: ReferenceSource, message: String, offline: Bool
  ) {
    self.rule = rule
    self.level = level
    self.file = file
    self.line = line
    self.reference = reference
    self.resolved = resolved
    self.source = source
    self.message = message
    self.offline = offline
  }
}
