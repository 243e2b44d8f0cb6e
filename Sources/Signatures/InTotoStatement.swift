import ByteFormats
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

  /// The fields of a statement tailguard reads; the predicate stays a ``JSONValue``.
  private struct Document: Decodable {
    struct RawSubject: Decodable {
      var name: String?
      var digest: [String: String]?
    }
    var type: String
    var predicateType: String
    var subject: [RawSubject]
    var predicate: JSONValue?
    enum CodingKeys: String, CodingKey {
      case type = "_type"
      case predicateType, subject, predicate
    }
  }

  public init(parsing data: Data) throws(SignatureError) {
    guard data.count <= ProtoJSON.maximumDocumentSize else {
      throw SignatureError(.inputTooLarge, "in-toto statement too large")
    }
    let document: Document
    do {
      document = try JSONDecoder().decode(Document.self, from: data)
    } catch DecodingError.keyNotFound, DecodingError.typeMismatch, DecodingError.valueNotFound {
      throw SignatureError(
        .malformedBundle, "in-toto statement lacks _type, predicateType or subject")
    } catch {
      throw SignatureError(.malformedBundle, "in-toto statement is not a JSON object")
    }
    self.type = document.type
    self.predicateType = document.predicateType
    self.subjects = document.subject.prefix(1024).map {
      Subject(name: $0.name ?? "", digest: $0.digest ?? [:])
    }
    predicate = Self.canonical(document.predicate ?? .null)
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

extension InTotoStatement {
  /// The predicate's bytes as policies and SBOM readers see them: sorted keys, no escaped
  /// slashes, numbers as they were (integers stay integers).
  static func canonical(_ value: JSONValue) -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return (try? encoder.encode(value)) ?? Data("null".utf8)
  }
}
