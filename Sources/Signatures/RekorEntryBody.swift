import Foundation

/// The parts of a Rekor entry body (`canonicalizedBody`) that must agree with the bundle:
/// hashedrekord v0.0.1 / v0.0.2, dsse v0.0.1 / v0.0.2 and intoto v0.0.2. A mismatch between the
/// body and the bundle is how CVE-2022-36056 style substitutions are caught.
public struct RekorEntryBody: Sendable, Hashable {
  public enum Kind: Sendable, Hashable {
    /// A digest of the signed data and one signature.
    case hashedRekord(digestAlgorithm: String, digest: Data, signature: Data)
    /// A DSSE envelope: the payload hash and every signature.
    case dsse(payloadHashAlgorithm: String, payloadHash: Data, signatures: [Data])
  }

  /// The body's `kind` and `apiVersion` (e.g. `intoto`, `0.0.2`): the signed truth the bundle's
  /// unsigned `kindVersion` must agree with.
  public var entryKind: String
  public var apiVersion: String
  public var kind: Kind
  /// intoto 0.0.2: the envelope's payload type, recorded beside its signatures.
  public var payloadType: String?
  /// intoto 0.0.2: SHA-256 of the envelope JSON as it was uploaded. A bundle does not keep those
  /// bytes, so this is read (and must be well formed) but cannot be recomputed; the payload hash,
  /// payload type and signatures bind every field of the envelope instead.
  public var envelopeHash: Data?
  /// The verification material recorded in the body, DER (a certificate or a SubjectPublicKeyInfo),
  /// one per signature.
  public var verifierDER: [Data]

  public init(parsing data: Data) throws(VerificationFailure) {
    func fail(_ m: String) -> VerificationFailure {
      VerificationFailure(.tlogBodyConsistency, "log entry body: \(m)")
    }
    let raw: RawBody
    do {
      raw = try ProtoJSON.decode(RawBody.self, from: data, code: .malformedBundle, path: nil)
    } catch {
      throw fail(error.message)
    }
    entryKind = raw.kind
    apiVersion = raw.apiVersion
    payloadType = nil
    envelopeHash = nil
    switch (raw.kind, raw.apiVersion) {
    case ("hashedrekord", "0.0.1"):
      guard let hash = raw.spec.data?.hash, let value = hash.value.flatMap(Data.init(hexString:)),
        let sig = raw.spec.signature?.content.flatMap(ProtoJSON.base64)
      else { throw fail("hashedrekord 0.0.1 body lacks data.hash or signature.content") }
      kind = .hashedRekord(digestAlgorithm: hash.algorithm ?? "", digest: value, signature: sig)
      verifierDER = [try Self.pemOrDER(raw.spec.signature?.publicKey?.content, fail)]
    case ("hashedrekord", "0.0.2"):
      guard let v2 = raw.spec.hashedRekordV002,
        let digest = v2.data.digest.flatMap(ProtoJSON.base64),
        let sig = v2.signature.content.flatMap(ProtoJSON.base64)
      else { throw fail("hashedrekord 0.0.2 body lacks data or signature") }
      kind = .hashedRekord(digestAlgorithm: v2.data.algorithm ?? "", digest: digest, signature: sig)
      verifierDER = [try Self.verifierV2(v2.signature.verifier, fail)]
    case ("dsse", "0.0.1"):
      guard let hash = raw.spec.payloadHash, let value = hash.value.flatMap(Data.init(hexString:)),
        let sigs = raw.spec.signatures, sigs.count <= SigstoreBundle.maximumDSSESignatures
      else { throw fail("dsse 0.0.1 body lacks payloadHash or signatures") }
      var signatures: [Data] = []
      var verifiers: [Data] = []
      for s in sigs {
        guard let sig = s.signature.flatMap(ProtoJSON.base64) else {
          throw fail("bad dsse signature")
        }
        signatures.append(sig)
        verifiers.append(try Self.pemOrDER(s.verifier, fail))
      }
      kind = .dsse(
        payloadHashAlgorithm: hash.algorithm ?? "", payloadHash: value, signatures: signatures)
      verifierDER = verifiers
    case ("dsse", "0.0.2"):
      guard let v2 = raw.spec.dsseV002,
        let digest = v2.payloadHash.digest.flatMap(ProtoJSON.base64),
        v2.signatures.count <= SigstoreBundle.maximumDSSESignatures
      else { throw fail("dsse 0.0.2 body lacks payloadHash or signatures") }
      var signatures: [Data] = []
      var verifiers: [Data] = []
      for s in v2.signatures {
        guard let sig = s.content.flatMap(ProtoJSON.base64) else {
          throw fail("bad dsse signature")
        }
        signatures.append(sig)
        verifiers.append(try Self.verifierV2(s.verifier, fail))
      }
      kind = .dsse(
        payloadHashAlgorithm: v2.payloadHash.algorithm ?? "", payloadHash: digest,
        signatures: signatures)
      verifierDER = verifiers
    case ("intoto", "0.0.2"):
      // cosign attestations (rekor intoto v0.0.2 schema): spec.content.{hash, payloadHash,
      // envelope{payloadType, signatures[{sig, publicKey}]}}; the payload itself is not kept.
      // `sig` is base64 of the envelope's base64 signature text, `publicKey` base64 of PEM.
      guard let content = raw.spec.content, let envelope = content.envelope,
        let type = envelope.payloadType, let sigs = envelope.signatures, !sigs.isEmpty,
        sigs.count <= SigstoreBundle.maximumDSSESignatures
      else { throw fail("intoto 0.0.2 body lacks an envelope with payloadType and signatures") }
      guard let hash = content.payloadHash, hash.algorithm == "sha256",
        let value = hash.value.flatMap(Data.init(hexString:)), value.count == 32
      else { throw fail("intoto 0.0.2 body lacks a sha256 payloadHash") }
      guard let envelopeHash = content.hash, envelopeHash.algorithm == "sha256",
        let envelopeDigest = envelopeHash.value.flatMap(Data.init(hexString:)),
        envelopeDigest.count == 32
      else { throw fail("intoto 0.0.2 body lacks a sha256 envelope hash") }
      var signatures: [Data] = []
      var verifiers: [Data] = []
      for s in sigs {
        guard
          let text = s.sig.flatMap(ProtoJSON.base64).flatMap({ String(data: $0, encoding: .utf8) }),
          let sig = ProtoJSON.base64(text), !sig.isEmpty
        else { throw fail("intoto signature is not base64 of a base64 signature") }
        signatures.append(sig)
        verifiers.append(try Self.pemOrDER(s.publicKey, fail))
      }
      kind = .dsse(
        payloadHashAlgorithm: "sha256", payloadHash: value, signatures: signatures)
      verifierDER = verifiers
      payloadType = type
      self.envelopeHash = envelopeDigest
    default:
      throw fail("unsupported entry type \(raw.kind.prefix(30))/\(raw.apiVersion.prefix(20))")
    }
  }

  /// Rekor v1 stores keys and certificates as base64 of PEM text.
  private static func pemOrDER(_ base64: String?, _ fail: (String) -> VerificationFailure)
    throws(VerificationFailure)
    -> Data
  {
    guard let base64, let bytes = ProtoJSON.base64(base64) else { throw fail("missing verifier") }
    if let text = String(data: bytes, encoding: .utf8), text.contains("-----BEGIN") {
      guard let der = PEM.firstBlockDER(text) else { throw fail("verifier PEM cannot be decoded") }
      return der
    }
    return bytes
  }

  private static func verifierV2(_ v: RawBody.VerifierV2?, _ fail: (String) -> VerificationFailure)
    throws(VerificationFailure) -> Data
  {
    if let cert = v?.x509Certificate?.rawBytes, let der = ProtoJSON.base64(cert) { return der }
    if let key = v?.publicKey?.rawBytes, let der = ProtoJSON.base64(key) { return der }
    throw fail("missing verifier")
  }
}

private struct RawBody: Decodable {
  struct Hash: Decodable {
    var algorithm: String?
    var value: String?
  }
  struct DataV1: Decodable { var hash: Hash? }
  struct Content: Decodable { var content: String? }
  struct SignatureV1: Decodable {
    var content: String?
    var publicKey: Content?
  }
  struct DSSESignatureV1: Decodable {
    var signature: String?
    var verifier: String?
  }
  struct HashOutput: Decodable {
    var algorithm: String?
    var digest: String?
  }
  struct RawBytes: Decodable { var rawBytes: String? }
  struct VerifierV2: Decodable {
    var x509Certificate: RawBytes?
    var publicKey: RawBytes?
    var keyDetails: String?
  }
  struct SignatureV2: Decodable {
    var content: String?
    var verifier: VerifierV2?
  }
  struct HashedRekordV2: Decodable {
    var data: HashOutput
    var signature: SignatureV2
  }
  struct DSSEV2: Decodable {
    var payloadHash: HashOutput
    var signatures: [SignatureV2]
  }
  struct InTotoSignature: Decodable {
    var sig: String?
    var publicKey: String?
  }
  struct InTotoEnvelope: Decodable {
    var payloadType: String?
    var signatures: [InTotoSignature]?
  }
  struct InTotoContent: Decodable {
    var hash: Hash?
    var payloadHash: Hash?
    var envelope: InTotoEnvelope?
  }
  struct Spec: Decodable {
    var content: InTotoContent?
    var data: DataV1?
    var signature: SignatureV1?
    var payloadHash: Hash?
    var signatures: [DSSESignatureV1]?
    var hashedRekordV002: HashedRekordV2?
    var dsseV002: DSSEV2?
  }
  var apiVersion: String
  var kind: String
  var spec: Spec
}
