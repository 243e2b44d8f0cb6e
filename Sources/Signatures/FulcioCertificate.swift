import Foundation
import SwiftASN1
import X509

/// A Fulcio-issued signing certificate with the identity facts users match on: the subject
/// alternative names and the Fulcio OIDC extensions (OID arc 1.3.6.1.4.1.57264.1).
/// https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md
public struct FulcioCertificate: Sendable, Hashable {
  /// Fulcio extension OIDs (suffix after 1.3.6.1.4.1.57264.1.) and their meaning.
  public enum Field: String, Sendable, Hashable, CaseIterable, Codable {
    case issuerV1 = "1"
    case githubWorkflowTrigger = "2"
    case githubWorkflowSHA = "3"
    case githubWorkflowName = "4"
    case githubWorkflowRepository = "5"
    case githubWorkflowRef = "6"
    case otherNameSAN = "7"
    case issuer = "8"
    case buildSignerURI = "9"
    case buildSignerDigest = "10"
    case runnerEnvironment = "11"
    case sourceRepositoryURI = "12"
    case sourceRepositoryDigest = "13"
    case sourceRepositoryRef = "14"
    case sourceRepositoryIdentifier = "15"
    case sourceRepositoryOwnerURI = "16"
    case sourceRepositoryOwnerIdentifier = "17"
    case buildConfigURI = "18"
    case buildConfigDigest = "19"
    case buildTrigger = "20"
    case runInvocationURI = "21"
    case sourceRepositoryVisibilityAtSigning = "22"

    public var oid: String { "1.3.6.1.4.1.57264.1." + rawValue }
    /// v1 extensions (1–6) hold raw bytes; later ones hold a DER UTF8String.
    var isRawString: Bool { (Int(rawValue) ?? 0) <= 6 }
  }

  public let certificate: Certificate
  public let der: Data
  /// Every SAN value usable as an identity: emails, URIs, Fulcio username otherNames.
  public let identities: [String]
  /// Fulcio extension values by field.
  public let fields: [Field: String]

  public init(der: Data) throws(SignatureError) {
    let cert: Certificate
    do {
      cert = try Certificate(derEncoded: Array(der))
    } catch {
      throw SignatureError(.malformedCertificate, "cannot parse certificate: \(error)")
    }
    self.init(certificate: cert, der: der)
  }

  public init(certificate cert: Certificate, der: Data) {
    self.certificate = cert
    self.der = der
    var ids: [String] = []
    if let sans = try? cert.extensions.subjectAlternativeNames {
      for name in sans {
        switch name {
        case .rfc822Name(let email): ids.append(email)
        case .uniformResourceIdentifier(let uri): ids.append(uri)
        case .otherName(let other) where other.typeID.description == Field.otherNameSAN.oid:
          if let value = other.value, let s = Self.utf8String(fromDER: value) { ids.append(s) }
        default: break
        }
      }
    }
    identities = ids
    var f: [Field: String] = [:]
    for ext in cert.extensions {
      let oid = ext.oid.description
      guard oid.hasPrefix("1.3.6.1.4.1.57264.1."),
        let field = Field(rawValue: String(oid.dropFirst("1.3.6.1.4.1.57264.1.".count)))
      else { continue }
      let bytes = Array(ext.value)
      if field.isRawString {
        if let s = String(bytes: bytes, encoding: .utf8) { f[field] = s }
      } else if let node = try? DER.parse(bytes), let s = Self.utf8String(node: node) {
        f[field] = s
      }
    }
    fields = f
  }

  /// The OIDC issuer: the v2 extension when present, else the deprecated v1 one.
  public var issuer: String? { fields[.issuer] ?? fields[.issuerV1] }

  public var notValidBefore: Date { certificate.notValidBefore }
  public var notValidAfter: Date { certificate.notValidAfter }

  private static func utf8String(fromDER any: ASN1Any) -> String? {
    var serializer = DER.Serializer()
    guard (try? serializer.serialize(any)) != nil,
      let node = try? DER.parse(serializer.serializedBytes)
    else {
      return nil
    }
    return utf8String(node: node)
  }

  private static func utf8String(node: ASN1Node) -> String? {
    if let s = try? ASN1UTF8String(derEncoded: node) { return String(s) }
    if let s = try? ASN1IA5String(derEncoded: node) { return String(s) }
    if let s = try? ASN1PrintableString(derEncoded: node) { return String(s) }
    return nil
  }
}
