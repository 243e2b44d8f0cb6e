import TailguardModel

/// What removes every open finding of one image, as the fewest actions: package upgrades,
/// base-image bumps, and the findings nothing can remove yet with the reason. The JSON form is
/// stable (sorted keys, actions by risk closed, then kind and name) so plans can be diffed.
public struct FixPlan: Sendable, Hashable, Codable {
  public static let currentSchemaVersion = 1

  public enum Kind: String, Sendable, Hashable, Codable {
    case packageUpgrade = "package-upgrade"
    case baseImageBump = "base-image-bump"
  }

  /// A finding an action closes, by the id a report shows and the package it is in.
  public struct Closed: Sendable, Hashable, Codable, Comparable {
    public var id: String
    public var package: String
    public var version: String
    public var severity: Severity
    public var risk: Double
    public static func < (a: Closed, b: Closed) -> Bool {
      (a.package, a.version, a.id) < (b.package, b.version, b.id)
    }
  }

  public struct PackageRef: Sendable, Hashable, Codable {
    public var name: String
    public var ecosystem: Ecosystem
    public var purl: String
    /// The OS source package, when advisories are keyed by it.
    public var source: String?
  }

  /// A candidate base image that was scanned.
  public struct Candidate: Sendable, Hashable, Codable {
    public var tag: String
    public var digest: String?
    /// Open findings of the candidate alone; nil when it could not be scanned.
    public var findings: Int?
    public var sizeDifference: Int64?
    public var skipped: String?
    public init(
      tag: String, digest: String? = nil, findings: Int? = nil, sizeDifference: Int64? = nil,
      skipped: String? = nil
    ) {
      self.tag = tag
      self.digest = digest
      self.findings = findings
      self.sizeDifference = sizeDifference
      self.skipped = skipped
    }
  }

  public struct BaseRef: Sendable, Hashable, Codable {
    public var repository: String
    public var candidates: [Candidate]
  }

  public struct Action: Sendable, Hashable, Codable {
    public var kind: Kind
    public var package: PackageRef?
    public var base: BaseRef?
    public var from: String
    /// The version (or `tag@digest`) that closes every finding in `closes`.
    public var to: String
    public var closes: [Closed]
    /// Sum of the risk of the closed findings, the order of the to-do list.
    public var riskClosed: Double
  }

  public struct Unactionable: Sendable, Hashable, Codable, Comparable {
    public enum Reason: String, Sendable, Hashable, Codable {
      case notFixed = "not-fixed-upstream"
      case wontFix = "wont-fix"
      case endOfLife = "end-of-life-distribution"
      case unknown = "fix-status-unknown"
    }
    public var id: String
    public var package: String
    public var version: String
    public var severity: Severity
    public var reason: Reason
    public var detail: String
    public static func < (a: Unactionable, b: Unactionable) -> Bool {
      (a.package, a.version, a.id) < (b.package, b.version, b.id)
    }
  }

  public var schemaVersion: Int
  public var target: String
  public var imageDigest: String?
  public var distro: String?
  public var actions: [Action]
  public var unactionable: [Unactionable]
  public var notes: [String]

  public init(
    target: String, imageDigest: String?, distro: String?, actions: [Action],
    unactionable: [Unactionable], notes: [String] = []
  ) {
    self.schemaVersion = Self.currentSchemaVersion
    self.target = target
    self.imageDigest = imageDigest
    self.distro = distro
    self.actions = actions
    self.unactionable = unactionable
    self.notes = notes
  }

  /// Every finding id an action of `kind` closes (`package@id`), for checking against a rescan.
  public func predictedClosed(kind: Kind? = nil) -> Set<String> {
    Set(
      actions.filter { kind == nil || $0.kind == kind }.flatMap(\.closes).map {
        "\($0.package)@\($0.id)"
      })
  }
}
