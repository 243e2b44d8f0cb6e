import Foundation
import TailguardModel

/// OpenVEX 0.2.0 (https://github.com/openvex/spec): one `affected` statement per open finding
/// (with the upgrade as action), `not_affected`/`fixed` statements for suppressed ones.
public struct OpenVEXReport: Sendable {
  public var author: String
  public var timestamp: String
  public init(author: String = "tailguard", timestamp: String) {
    self.author = author
    self.timestamp = timestamp
  }

  public func document(_ report: ScanReport) -> OpenVEXDocument {
    var statements: [OpenVEXDocument.Statement] = []
    for s in report.findings {
      let f = s.finding
      statements.append(
        OpenVEXDocument.Statement(
          vulnerability: .init(
            name: f.primaryID, aliases: f.advisoryIDs.filter { $0 != f.primaryID }),
          products: [.init(id: f.purl.description)], status: "affected",
          actionStatement: f.fixedVersion.map { "Upgrade \(f.packageName) to \($0) or later." }
            ?? "No fix is available yet; mitigate or accept the risk."))
    }
    for s in report.suppressed {
      let f = s.finding
      statements.append(
        OpenVEXDocument.Statement(
          vulnerability: .init(name: f.primaryID), products: [.init(id: f.purl.description)],
          status: "not_affected", justification: "inline_mitigations_already_exist",
          impactStatement: s.suppression?.reason ?? "suppressed"))
    }
    let seed = report.sbom.image.manifestDigest?.hex ?? report.sbom.image.target
    return OpenVEXDocument(
      id: "https://tailguard.invalid/vex/\(seed.prefix(64))", author: author,
      timestamp: timestamp, statements: statements)
  }

  /// The document as `JSONReport` writes JSON, without a final newline.
  public func encode(_ report: ScanReport) throws -> Data {
    try JSONReport.encode(document(report), finalNewline: false)
  }
}

/// The OpenVEX 0.2.0 document tailguard writes: the members it sets, as Codable values.
public struct OpenVEXDocument: Codable, Sendable, Hashable {
  public struct Vulnerability: Codable, Sendable, Hashable {
    public var name: String
    /// Other ids of the vulnerability; nil (left out) on suppressed statements.
    public var aliases: [String]?
    public init(name: String, aliases: [String]? = nil) {
      self.name = name
      self.aliases = aliases
    }
  }

  public struct Product: Codable, Sendable, Hashable {
    /// The package URL.
    public var id: String
    public init(id: String) { self.id = id }
    enum CodingKeys: String, CodingKey { case id = "@id" }
  }

  public struct Statement: Codable, Sendable, Hashable {
    public var vulnerability: Vulnerability
    public var products: [Product]
    /// `affected`, `not_affected`, `fixed` or `under_investigation`.
    public var status: String
    public var actionStatement: String?
    public var justification: String?
    public var impactStatement: String?

    public init(
      vulnerability: Vulnerability, products: [Product], status: String,
      actionStatement: String? = nil, justification: String? = nil,
      impactStatement: String? = nil
    ) {
      self.vulnerability = vulnerability
      self.products = products
      self.status = status
      self.actionStatement = actionStatement
      self.justification = justification
      self.impactStatement = impactStatement
    }

    enum CodingKeys: String, CodingKey {
      case vulnerability, products, status, justification
      case actionStatement = "action_statement"
      case impactStatement = "impact_statement"
    }
  }

  public var context: String
  public var id: String
  public var author: String
  public var timestamp: String
  public var version: Int
  public var statements: [Statement]

  public init(
    context: String = "https://openvex.dev/ns/v0.2.0", id: String, author: String,
    timestamp: String, version: Int = 1, statements: [Statement]
  ) {
    self.context = context
    self.id = id
    self.author = author
    self.timestamp = timestamp
    self.version = version
    self.statements = statements
  }

  enum CodingKeys: String, CodingKey {
    case context = "@context"
    case id = "@id"
    case author, timestamp, version, statements
  }
}
