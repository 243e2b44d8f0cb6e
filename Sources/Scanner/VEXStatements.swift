import ByteFormats
import Foundation
import TailguardModel

/// OpenVEX input (`--vex FILE`): `not_affected` and `fixed` statements suppress the findings
/// they name (by vulnerability id or alias, and by product purl — a purl without a version
/// covers every version). `affected` and `under_investigation` statements change nothing.
public struct VEXStatements: Sendable {
  public struct Statement: Sendable, Hashable {
    public var vulnerability: String
    public var aliases: [String]
    public var products: [PackageURL]
    public var status: String
    public var justification: String?
  }

  public var statements: [Statement]
  public var file: String
  public var diagnostics: [Diagnostic]

  public static func load(path: String) throws(ScannerError) -> VEXStatements {
    guard let data = FileManager.default.contents(atPath: path), data.count <= 64 << 20 else {
      throw ScannerError(
        .vexFile, "cannot read VEX file \(path) (missing, unreadable or over 64 MiB)")
    }
    return try parse(data, file: path)
  }

  /// Reads an OpenVEX document (FILE names it in messages).
  public static func parse(_ data: Data, file path: String) throws(ScannerError) -> VEXStatements {
    guard let doc = try? JSONDecoder().decode(OpenVEXInput.self, from: data) else {
      throw ScannerError(.vexFile, "\(path) is not an OpenVEX JSON document")
    }
    guard let raw = doc.statements else {
      throw ScannerError(.vexFile, "\(path): no 'statements' array (is this OpenVEX?)")
    }
    var out = VEXStatements(statements: [], file: path, diagnostics: [])
    for (i, s) in raw.enumerated() {
      let name = s.vulnerability?.name ?? s.vulnerability?.id ?? s.vulnerabilityName
      guard let name, let status = s.status else {
        out.diagnostics.append(
          Diagnostic(
            .warning, code: "vex.bad-statement",
            "statement \(i) has no vulnerability name or status; skipped", source: "vex", path: path
          ))
        continue
      }
      var products: [PackageURL] = []
      for p in s.products ?? [] {
        for id in [p.id, p.identifiers?.purl].compactMap({ $0 }) {
          if let purl = try? PackageURL(parsing: id) { products.append(purl) }
        }
      }
      out.statements.append(
        Statement(
          vulnerability: name, aliases: s.vulnerability?.aliases ?? [],
          products: products, status: status, justification: s.justification))
    }
    return out
  }

  public func match(_ finding: Finding) -> Statement? {
    statements.first { st in
      guard st.status == "not_affected" || st.status == "fixed" else { return false }
      let ids = Set([st.vulnerability] + st.aliases)
      guard !ids.isDisjoint(with: finding.advisoryIDs + [finding.primaryID]) else { return false }
      return st.products.contains { p in
        p.type == finding.purl.type && p.namespace == finding.purl.namespace
          && p.name == finding.purl.name
          && (p.version == nil || p.version == finding.purl.version)
      }
    }
  }
}

/// The fields of an OpenVEX document that `VEXStatements` reads. Fields are `@Lenient` (nil when
/// absent or of another type), so one odd statement is reported and skipped, not fatal; a
/// `statements` value that is not an array of objects reads as nil.
struct OpenVEXInput: Decodable, Sendable {
  @Lenient var statements: [Statement]?

  struct Statement: Decodable, Sendable {
    /// `vulnerability` as an object (`name`, `@id`, `aliases`)…
    var vulnerability: Vulnerability?
    /// …or as a bare name, as some producers write it.
    var vulnerabilityName: String?
    var status: String?
    var justification: String?
    var products: [Product]?

    enum CodingKeys: String, CodingKey { case vulnerability, status, justification, products }

    init(from decoder: any Decoder) throws {
      let c = try decoder.container(keyedBy: CodingKeys.self)
      vulnerability = try? c.decode(Vulnerability.self, forKey: .vulnerability)
      vulnerabilityName = try? c.decode(String.self, forKey: .vulnerability)
      status = try? c.decode(String.self, forKey: .status)
      justification = try? c.decode(String.self, forKey: .justification)
      products = try? c.decode([Product].self, forKey: .products)
    }
  }

  struct Vulnerability: Decodable, Sendable {
    @Lenient var name: String?
    @Lenient var id: String?
    @Lenient var aliases: [String]?

    enum CodingKeys: String, CodingKey {
      case id = "@id"
      case name, aliases
    }
  }

  struct Product: Decodable, Sendable {
    @Lenient var id: String?
    @Lenient var identifiers: Identifiers?

    enum CodingKeys: String, CodingKey {
      case id = "@id"
      case identifiers
    }
  }

  struct Identifiers: Decodable, Sendable {
    @Lenient var purl: String?
  }
}
