import Crypto
import Foundation
import SwiftASN1
import X509

/// Embedded Signed Certificate Timestamps of a Fulcio certificate (RFC 6962 §3.2–3.3): proof that
/// the certificate was submitted to a certificate-transparency log of the trusted root. The SCT
/// signs the precertificate: the TBSCertificate without the SCT-list extension, bound to the
/// issuer's key hash.
public struct SignedCertificateTimestamp: Sendable, Hashable {
  public static let extensionOID = "1.3.6.1.4.1.11129.2.4.2"

  public var version: UInt8
  public var logID: Data
  public var timestamp: UInt64
  public var extensions: Data
  public var hashAlgorithm: UInt8
  public var signatureAlgorithm: UInt8
  public var signature: Data

  /// Parses the TLS-encoded `SignedCertificateTimestampList` inside the extension's OCTET STRING.
  static func list(fromExtensionValue value: ArraySlice<UInt8>) throws(VerificationFailure)
    -> [SignedCertificateTimestamp]
  {
    func fail(_ m: String) -> VerificationFailure {
      VerificationFailure(.certificateProfile, "SCT list: \(m)")
    }
    guard let node = try? DER.parse(Array(value)),
      let octets = try? ASN1OctetString(derEncoded: node)
    else {
      throw fail("extension is not an OCTET STRING")
    }
    var r = TLSReader(Array(octets.bytes))
    guard let total = r.uint(2), total == r.remaining else { throw fail("bad list length") }
    var out: [SignedCertificateTimestamp] = []
    while r.remaining > 0 {
      guard let length = r.uint(2), let raw = r.bytes(Int(length)) else {
        throw fail("truncated SCT")
      }
      var s = TLSReader(raw)
      guard let version = s.uint(1), let logID = s.bytes(32), let timestamp = s.uint(8),
        let extLength = s.uint(2), let ext = s.bytes(Int(extLength)), let hash = s.uint(1),
        let sigAlg = s.uint(1),
        let sigLength = s.uint(2), let sig = s.bytes(Int(sigLength)), s.remaining == 0
      else { throw fail("malformed SCT") }
      out.append(
        SignedCertificateTimestamp(
          version: UInt8(version), logID: Data(logID), timestamp: timestamp, extensions: Data(ext),
          hashAlgorithm: UInt8(hash), signatureAlgorithm: UInt8(sigAlg), signature: Data(sig)))
      if out.count > 16 { throw fail("too many SCTs") }
    }
    return out
  }

  /// Requires at least one embedded SCT that verifies with a CT log of the trusted root valid at
  /// the SCT's time.
  static func verifyEmbedded(
    leaf: Certificate, issuer: Certificate, ctlogs: [TrustedRoot.LogInstance]
  )
    throws(VerificationFailure)
  {
    guard let ext = leaf.extensions.first(where: { $0.oid.description == extensionOID }) else {
      throw VerificationFailure(
        .certificateProfile, "certificate has no embedded signed certificate timestamp")
    }
    let scts = try list(fromExtensionValue: ext.value)
    let precert = try precertificateTBS(leaf)
    var serializer = DER.Serializer()
    guard (try? serializer.serialize(issuer.publicKey)) != nil else {
      throw VerificationFailure(.certificateProfile, "cannot encode the issuer's public key")
    }
    let issuerKeyHash = Data(SHA256.hash(data: serializer.serializedBytes))
    for sct in scts where sct.version == 0 {
      guard let log = ctlogs.first(where: { $0.logID == sct.logID }),
        let key = try? VerificationKey(spkiDER: log.publicKey.rawBytes),
        log.publicKey.validFor.contains(
          Date(timeIntervalSince1970: TimeInterval(sct.timestamp) / 1000))
      else { continue }
      var signed = Data([0, 0])
      signed.append(contentsOf: withUnsafeBytes(of: sct.timestamp.bigEndian, Array.init))
      signed.append(contentsOf: [0, 1])
      signed.append(issuerKeyHash)
      let n = precert.count
      signed.append(contentsOf: [
        UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8),
        UInt8(truncatingIfNeeded: n),
      ])
      signed.append(precert)
      signed.append(contentsOf: [
        UInt8(truncatingIfNeeded: sct.extensions.count >> 8),
        UInt8(truncatingIfNeeded: sct.extensions.count),
      ])
      signed.append(sct.extensions)
      if key.isValidSignature(sct.signature, over: signed) { return }
    }
    throw VerificationFailure(
      .certificateProfile,
      "no embedded signed certificate timestamp verifies with a CT log of the trusted root")
  }

  /// The TBSCertificate with the SCT-list extension removed, DER re-encoded.
  static func precertificateTBS(_ cert: Certificate) throws(VerificationFailure) -> Data {
    func fail() -> VerificationFailure {
      VerificationFailure(.certificateProfile, "cannot rebuild the precertificate")
    }
    guard let tbs = try? DER.parse(Array(cert.tbsCertificateBytes)),
      case .constructed(let children) = tbs.content
    else {
      throw fail()
    }
    var body: [UInt8] = []
    for child in children {
      if child.identifier == ASN1Identifier(tagWithNumber: 3, tagClass: .contextSpecific) {
        guard case .constructed(let inner) = child.content,
          let seq = inner.first(where: { _ in true }),
          case .constructed(let exts) = seq.content
        else { throw fail() }
        var kept: [UInt8] = []
        for e in exts {
          guard case .constructed(let parts) = e.content,
            let oidNode = parts.first(where: { _ in true }),
            let oid = try? ASN1ObjectIdentifier(derEncoded: oidNode)
          else { throw fail() }
          if oid.description != extensionOID { kept += e.encodedBytes }
        }
        body += tlv(0xA3, tlv(0x30, kept))
      } else {
        body += child.encodedBytes
      }
    }
    return Data(tlv(0x30, body))
  }

  static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [tag]
    let n = content.count
    if n < 0x80 {
      out.append(UInt8(n))
    } else {
      var lengthBytes: [UInt8] = []
      var v = n
      while v > 0 {
        lengthBytes.insert(UInt8(v & 0xFF), at: 0)
        v >>= 8
      }
      out.append(0x80 | UInt8(lengthBytes.count))
      out += lengthBytes
    }
    return out + content
  }
}
