import Foundation

/// The subset of SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/) that tailguard
/// writes, as Codable values: one log with one run, the tool's driver with its rules, and
/// results located at a file (and line, where there is one).
///
/// Every SARIF document tailguard writes (scan reports, pin lint) is one of these, written by
/// `encoded()`, so the tool name, version, information URI and JSON conventions cannot drift
/// between commands. Optional members are left out of the JSON when nil.
public struct SARIFLog: Codable, Sendable, Hashable {
  /// The schema URI the log names (what GitHub code scanning and the SARIF validator expect).
  public static let schemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
  /// Where users learn about the tool: the driver's `informationUri`.
  public static let informationURI = "https://github.com/tailguard/tailguard"

  public var schema: String
  public var version: String
  public var runs: [SARIFRun]

  public init(runs: [SARIFRun]) {
    self.schema = Self.schemaURI
    self.version = "2.1.0"
    self.runs = runs
  }

  /// A log of one run of tailguard, version `toolVersion`.
  public init(toolVersion: String, rules: [SARIFRule], results: [SARIFResult]) {
    self.init(runs: [
      SARIFRun(
        tool: SARIFTool(
          driver: SARIFDriver(
            name: "tailguard", version: toolVersion, informationUri: Self.informationURI,
            rules: rules)),
        results: results)
    ])
  }

  enum CodingKeys: String, CodingKey {
    case schema = "$schema"
    case version, runs
  }

  /// The document: pretty-printed with sorted keys and unescaped slashes (`JSONReport`'s
  /// conventions), without a final newline.
  public func encoded() throws -> Data {
    try JSONReport.encode(self, finalNewline: false)
  }
}

public struct SARIFRun: Codable, Sendable, Hashable {
  public var tool: SARIFTool
  public var results: [SARIFResult]
  public init(tool: SARIFTool, results: [SARIFResult]) {
    self.tool = tool
    self.results = results
  }
}

public struct SARIFTool: Codable, Sendable, Hashable {
  public var driver: SARIFDriver
  public init(driver: SARIFDriver) { self.driver = driver }
}

public struct SARIFDriver: Codable, Sendable, Hashable {
  public var name: String
  public var version: String
  public var informationUri: String
  public var rules: [SARIFRule]
  public init(name: String, version: String, informationUri: String, rules: [SARIFRule]) {
    self.name = name
    self.version = version
    self.informationUri = informationUri
    self.rules = rules
  }
}

/// SARIF's `level` (and a rule's default configuration level).
public enum SARIFLevel: String, Codable, Sendable, Hashable {
  case none, note, warning, error
}

/// A `message` or a rule description: plain text only.
public struct SARIFText: Codable, Sendable, Hashable {
  public var text: String
  public init(_ text: String) { self.text = text }
}

public struct SARIFRule: Codable, Sendable, Hashable {
  public struct Configuration: Codable, Sendable, Hashable {
    public var level: SARIFLevel
    public init(level: SARIFLevel) { self.level = level }
  }

  public var id: String
  public var name: String?
  public var shortDescription: SARIFText?
  public var fullDescription: SARIFText?
  public var help: SARIFText?
  public var defaultConfiguration: Configuration?
  public var properties: SARIFProperties?

  public init(
    id: String, name: String? = nil, shortDescription: SARIFText? = nil,
    fullDescription: SARIFText? = nil, help: SARIFText? = nil, defaultLevel: SARIFLevel? = nil,
    properties: SARIFProperties? = nil
  ) {
    self.id = id
    self.name = name
    self.shortDescription = shortDescription
    self.fullDescription = fullDescription
    self.help = help
    self.defaultConfiguration = defaultLevel.map(Configuration.init(level:))
    self.properties = properties
  }
}

/// The property bag keys tailguard sets on rules and results. `security-severity` (a CVSS score
/// as text) is what GitHub code scanning ranks results by.
public struct SARIFProperties: Codable, Sendable, Hashable {
  public var tags: [String]?
  public var securitySeverity: String?
  public var purl: String?
  public var risk: Double?

  public init(
    tags: [String]? = nil, securitySeverity: String? = nil, purl: String? = nil,
    risk: Double? = nil
  ) {
    self.tags = tags
    self.securitySeverity = securitySeverity
    self.purl = purl
    self.risk = risk
  }

  enum CodingKeys: String, CodingKey {
    case tags
    case securitySeverity = "security-severity"
    case purl, risk
  }
}

public struct SARIFResult: Codable, Sendable, Hashable {
  public var ruleId: String
  public var level: SARIFLevel
  public var message: SARIFText
  public var locations: [SARIFLocation]
  public var partialFingerprints: [String: String]?
  public var properties: SARIFProperties?

  public init(
    ruleId: String, level: SARIFLevel, message: String, locations: [SARIFLocation],
    partialFingerprints: [String: String]? = nil, properties: SARIFProperties? = nil
  ) {
    self.ruleId = ruleId
    self.level = level
    self.message = SARIFText(message)
    self.locations = locations
    self.partialFingerprints = partialFingerprints
    self.properties = properties
  }
}

/// A result's place: a file (URI relative to the scanned root) and, when known, a line.
public struct SARIFLocation: Codable, Sendable, Hashable {
  public struct Physical: Codable, Sendable, Hashable {
    public var artifactLocation: Artifact
    public var region: Region?
  }
  public struct Artifact: Codable, Sendable, Hashable {
    public var uri: String
  }
  public struct Region: Codable, Sendable, Hashable {
    /// 1-based.
    public var startLine: Int
  }

  public var physicalLocation: Physical

  public init(uri: String, startLine: Int? = nil) {
    self.physicalLocation = Physical(
      artifactLocation: Artifact(uri: uri), region: startLine.map(Region.init(startLine:)))
  }
}
