import Crypto
import Foundation

/// An in-toto statement (v0.1 / v1) carried in a DSSE envelope: subjects with digests, a
/// predicate type and the predicate itself (kept as raw JSON for policy evaluation).
public struct InTotoStatement: Sendable, Hashable {
  public struct Subject: Sendable, Hashable {
    public var name: String
    public var digest: [String: String]
  }
  public static let payloadType = "application/vnd.in-toto+json"

  public var type: String
  public var predicateType: String
  public var subjects: [Subject]
  /// The predicate as JSON bytes.
  public var predicate: Data

  public init(parsing data: Data) throws(SignatureError) {
    guard data.count <= ProtoJSON.maximumDocumentSize else {
      throw SignatureError(.inputTooLarge, "in-toto statement too large")
    }
    guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
      throw SignatureError(.malformedBundle, "in-toto statement is not a JSON object")
    }
    guard let type = object["_type"] as? String,
      let predicateType = object["predicateType"] as? String,
      let subjects = object["subject"] as? [[String: Any]]
    else {
      throw SignatureError(
        .malformedBundle, "in-toto statement lacks _type, predicateType or subject")
    }
    self.type = type
    self.predicateType = predicateType
    self.subjects = subjects.prefix(1024).map {
      Subject(name: $0["name"] as? String ?? "", digest: ($0["digest"] as? [String: String]) ?? [:])
    }
    if let p = object["predicate"], JSONSerialization.isValidJSONObject(p),
      let bytes = try? JSONSerialization.data(withJSONObject: p, options: [.sortedKeys])
    {
      predicate = bytes
    } else {
      predicate = Data("null".utf8)
    }
  }

  /// The statement must name the artifact by its SHA-256 digest.
  static func requireSubject(in envelope: DSSEEnvelope, matchingSHA256 digest: Data)
    throws(VerificationFailure)
  {
    guard envelope.payloadType == payloadType else {
      throw VerificationFailure(
        .attestationStatement,
        "DSSE payload type '\(envelope.payloadType.prefix(60))' is not an in-toto statement")
    }
    let statement: InTotoStatement
    do {
      statement = try InTotoStatement(parsing: envelope.payload)
    } catch {
      throw VerificationFailure(.attestationStatement, error.message)
    }
    let hex = digest.hexString
    guard statement.subjects.contains(where: { $0.digest["sha256"]?.lowercased() == hex }) else {
      throw VerificationFailure(
        .artifactDigest, "in-toto statement has no subject with sha256 \(hex)")
    }
  }
}
