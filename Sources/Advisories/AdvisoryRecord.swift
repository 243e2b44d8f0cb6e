import TailguardModel

/// An advisory together with the exact JSON text it was imported from, so a server can
/// re-match stored scan reports later against the record as the source published it.
public struct AdvisoryRecord: Hashable, Sendable {
  public var advisory: Advisory
  /// The source's OSV JSON (or, for sources that are not OSV, tailguard's OSV rendering).
  public var rawJSON: String
  public init(advisory: Advisory, rawJSON: String) {
    self.advisory = advisory
    self.rawJSON = rawJSON
  }
}
