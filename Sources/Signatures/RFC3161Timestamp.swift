import Crypto
import Foundation
import SwiftASN1
import X509

/// An RFC 3161 timestamp (`TimeStampResp` or bare `TimeStampToken`), parsed with SwiftASN1.
/// Layout (RFC 3161 §2.4.2, RFC 5652 §5): ContentInfo{signedData, SignedData{version,
/// digestAlgorithms, encapContentInfo{id-ct-TSTInfo, [0] OCTET STRING TSTInfo}, [0] certificates,
/// [1] crls, signerInfos{SignerInfo{version, sid, digestAlgorithm, [0] signedAttrs,
/// signatureAlgorithm, signature}}}}; TSTInfo{version, policy, messageImprint{alg, hash},
/// serialNumber, genTime, …}.
public struct RFC3161Timestamp: Sendable, Hashable {
  public var genTime: Date
  public var imprintAlgorithm: String
  public var imprint: Data
  /// DER of TSTInfo (what the signed attributes' message digest covers).
  var tstInfoDER: Data
  /// The signed attributes re-encoded as a DER SET (what the signature covers).
  var signedAttributesDER: Data
  var signedAttributesDigest: Data
  var signerDigestAlgorithm: String
  public var signature: Data
  /// Certificates embedded in the token, DER (may be empty).
  public var embeddedCertificates: [Data]

  static let maximumSize = 64 * 1024

  public init(parsing bytes: Data) throws(SignatureError) {
    func fail(_ m: String) -> SignatureError { SignatureError(.malformedTimestamp, m) }
    guard bytes.count <= Self.maximumSize else {
      throw fail("timestamp larger than \(Self.maximumSize) bytes")
    }
    do {
      let root: ASN1Node
      if let node = try? DER.parse(Array(bytes)) {
        root = node
      } else {
        root = try BER.parse(Array(bytes))
      }
      var top = try Self.children(root)
      // TimeStampResp: status first; a bare token starts with the content type OID.
      if top.first?.identifier == .sequence {
        let status = try Self.children(top[0])
        guard let first = status.first, let value = try? Int(derEncoded: first),
          value == 0 || value == 1
        else {
          throw fail("timestamp response status is not 'granted'")
        }
        guard top.count >= 2 else { throw fail("timestamp response has no token") }
        top = try Self.children(top[1])
      }
      guard top.count == 2,
        try ASN1ObjectIdentifier(derEncoded: top[0]).description == "1.2.840.113549.1.7.2"
      else {
        throw fail("timestamp token is not CMS SignedData")
      }
      let signedDataNode = try Self.single(top[1])
      let sd = try Self.children(signedDataNode)
      guard sd.count >= 4 else { throw fail("SignedData too short") }
      let encap = try Self.children(sd[2])
      guard encap.count == 2,
        try ASN1ObjectIdentifier(derEncoded: encap[0]).description == "1.2.840.113549.1.9.16.1.4"
      else { throw fail("encapsulated content is not TSTInfo") }
      let tstOctets = try ASN1OctetString(derEncoded: try Self.single(encap[1]))
      tstInfoDER = Data(tstOctets.bytes)
      var certs: [Data] = []
      var index = 3
      while index < sd.count - 1 {
        let node = sd[index]
        if node.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
          for c in try Self.children(node).prefix(10) { certs.append(Data(c.encodedBytes)) }
        }
        index += 1
      }
      embeddedCertificates = certs
      let signerInfos = try Self.children(sd[sd.count - 1])
      guard signerInfos.count == 1 else {
        throw fail("expected exactly one SignerInfo, found \(signerInfos.count)")
      }
      let si = try Self.children(signerInfos[0])
      guard si.count >= 6 else { throw fail("SignerInfo too short") }
      signerDigestAlgorithm = try Self.algorithmOID(si[2])
      let attrsNode = si[3]
      guard attrsNode.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
      else {
        throw fail("SignerInfo has no signed attributes")
      }
      var attrsDER = Array(attrsNode.encodedBytes)
      attrsDER[0] = 0x31  // [0] IMPLICIT → SET OF, as signed (RFC 5652 §5.4)
      signedAttributesDER = Data(attrsDER)
      var digest: Data?
      for attr in try Self.children(attrsNode) {
        let parts = try Self.children(attr)
        guard parts.count == 2 else { continue }
        if try ASN1ObjectIdentifier(derEncoded: parts[0]).description == "1.2.840.113549.1.9.4" {
          guard let v = try Self.children(parts[1]).first else { continue }
          digest = Data(try ASN1OctetString(derEncoded: v).bytes)
        }
      }
      guard let digest else { throw fail("signed attributes lack the message digest") }
      signedAttributesDigest = digest
      signature = Data(try ASN1OctetString(derEncoded: si[5]).bytes)

      let tst = try Self.children(try DER.parse(Array(tstInfoDER)))
      guard tst.count >= 5 else { throw fail("TSTInfo too short") }
      let imprintParts = try Self.children(tst[2])
      guard imprintParts.count == 2 else { throw fail("bad message imprint") }
      imprintAlgorithm = try Self.algorithmOID(imprintParts[0])
      imprint = Data(try ASN1OctetString(derEncoded: imprintParts[1]).bytes)
      let time = try GeneralizedTime(derEncoded: tst[4])
      guard let date = Self.date(time) else { throw fail("bad genTime") }
      genTime = date
    } catch let e as SignatureError {
      throw e
    } catch {
      throw fail("cannot parse timestamp: \(error)")
    }
  }

  /// Verifies the timestamp for `signature` against the trusted root's timestamp authorities;
  /// returns the verified time, or nil when no authority vouches for it (the caller decides
  /// whether that is fatal, as sigstore-python does: unverifiable timestamps are not counted).
  public func verify(covering signedBytes: Data, authorities: [TrustedRoot.CertificateAuthority])
    async -> Date?
  {
    guard let expected = ComputedDigest.compute(Self.hashName(imprintAlgorithm), over: signedBytes),
      expected.bytes == imprint,
      let contentDigest = ComputedDigest.compute(
        Self.hashName(signerDigestAlgorithm), over: tstInfoDER),
      contentDigest.bytes == signedAttributesDigest,
      let attrsDigest = ComputedDigest.compute(
        Self.hashName(signerDigestAlgorithm), over: signedAttributesDER)
    else { return nil }
    for authority in authorities where authority.certChain.count >= 2 {
      guard let leafDER = authority.certChain.first,
        let leaf = try? Certificate(derEncoded: Array(leafDER)),
        let key = try? VerificationKey(leaf.publicKey)
      else { continue }
      let valid =
        key.algorithm == .ed25519
        ? key.isValidSignature(signature, over: signedAttributesDER)
        : key.isValidSignature(signature, digest: attrsDigest)
      guard valid else { continue }
      guard authority.validFor.contains(genTime) else { continue }
      guard
        (try? await FulcioChainValidator.validate(
          leaf: leaf, authorities: [authority], at: genTime, check: .signedTimestamp)) != nil
      else { continue }
      return genTime
    }
    return nil
  }

  static func hashName(_ oid: String) -> String? {
    switch oid {
    case "2.16.840.1.101.3.4.2.1": return "SHA2_256"
    case "2.16.840.1.101.3.4.2.2": return "SHA2_384"
    case "2.16.840.1.101.3.4.2.3": return "SHA2_512"
    default: return "unknown"
    }
  }

  private static func children(_ node: ASN1Node) throws -> [ASN1Node] {
    guard case .constructed(let nodes) = node.content else {
      throw SignatureError(.malformedTimestamp, "expected a constructed ASN.1 value")
    }
    var out: [ASN1Node] = []
    for n in nodes {
      out.append(n)
      if out.count > 64 { throw SignatureError(.malformedTimestamp, "too many ASN.1 children") }
    }
    return out
  }

  private static func single(_ node: ASN1Node) throws -> ASN1Node {
    let c = try children(node)
    guard c.count == 1 else {
      throw SignatureError(.malformedTimestamp, "expected one explicitly tagged value")
    }
    return c[0]
  }

  private static func algorithmOID(_ node: ASN1Node) throws -> String {
    guard let first = try children(node).first else {
      throw SignatureError(.malformedTimestamp, "empty AlgorithmIdentifier")
    }
    return try ASN1ObjectIdentifier(derEncoded: first).description
  }

  private static func date(_ t: GeneralizedTime) -> Date? {
    var calendar = Calendar(identifier: .gregorian)
    guard let utc = TimeZone(identifier: "UTC") else { return nil }
    calendar.timeZone = utc
    let c = DateComponents(
      year: t.year, month: t.month, day: t.day, hour: t.hours, minute: t.minutes, second: t.seconds)
    return calendar.date(from: c).map { $0.addingTimeInterval(t.fractionalSeconds) }
  }
}
