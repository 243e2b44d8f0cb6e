import Crypto
import Foundation

/// A Sigstore bundle (`application/vnd.dev.sigstore.bundle…`, v0.1 to v0.3): the signature, the
/// material to verify it (certificate chain, certificate or key hint), the transparency-log
/// entries and RFC 3161 timestamps. Parsing only checks the JSON shape; the rules that depend on
/// the bundle version (checkpoint required, promise or timestamp required…) are verification
/// checks, so a structurally odd bundle fails with a named reason rather than "unreadable".
public struct SigstoreBundle: Sendable, Hashable {
  public enum Version: String, Sendable, Hashable, Comparable {
    case v01 = "0.1"
    case v02 = "0.2"
    case v03 = "0.3"
    public static func < (a: Version, b: Version) -> Bool { a.rawValue < b.rawValue }
  }

  /// How the bundle identifies the signer.
  public enum VerificationMaterial: Sendable, Hashable {
    /// v0.1/v0.2: leaf certificate first, then (optionally) intermediates, DER.
    case certificateChain([Data])
    /// v0.3: the leaf certificate alone, DER.
    case certificate(Data)
    /// A key the verifier must already know (`--key`); the hint is informational.
    case publicKeyHint(String)
    case none
  }

  public struct MessageSignature: Sendable, Hashable {
    /// `SHA2_256`, `SHA2_384`, `SHA2_512` (protobuf HashAlgorithm names), when the digest is given.
    public var digestAlgorithm: String?
    public var digest: Data?
    public var signature: Data
  }

  public enum Content: Sendable, Hashable {
    case messageSignature(MessageSignature)
    case dsseEnvelope(DSSEEnvelope)
  }

  public var mediaType: String
  /// nil when the media type is not a Sigstore bundle type we know.
  public var version: Version?
  public var material: VerificationMaterial
  public var tlogEntries: [TransparencyLogEntry]
  /// DER `TimeStampResp` (or bare `TimeStampToken`) values from `timestampVerificationData`.
  public var rfc3161Timestamps: [Data]
  public var content: Content

  /// Upper bounds that keep a hostile bundle from making us do unbounded work.
  public static let maximumCertificates = 10
  public static let maximumTlogEntries = 32
  public static let maximumTimestamps = 64
  public static let maximumProofHashes = 64
  public static let maximumDSSESignatures = 16

  /// The signature bytes the log and the TSA cover: the message signature or the first DSSE signature.
  public var signatureBytes: Data {
    switch content {
    case .messageSignature(let m): return m.signature
    case .dsseEnvelope(let e): return e.signatures.first?.signature ?? Data()
    }
  }

  /// DER of the leaf certificate, if the bundle has one.
  public var leafCertificateDER: Data? {
    switch material {
    case .certificate(let der): return der
    case .certificateChain(let chain): return chain.first
    default: return nil
    }
  }

  public var intermediateCertificatesDER: [Data] {
    if case .certificateChain(let chain) = material { return Array(chain.dropFirst()) }
    return []
  }

  public init(
    mediaType: String, material: VerificationMaterial, tlogEntries: [TransparencyLogEntry],
    rfc3161Timestamps: [Data], content: Content
  ) {
    self.mediaType = mediaType
    self.version = Self.version(ofMediaType: mediaType)
    self.material = material
    self.tlogEntries = tlogEntries
    self.rfc3161Timestamps = rfc3161Timestamps
    self.content = content
  }

  /// Maps the known media types (both the `+json;version=` and `.vX+json` spellings).
  public static func version(ofMediaType mediaType: String) -> Version? {
    switch mediaType {
    case "application/vnd.dev.sigstore.bundle+json;version=0.1": return .v01
    case "application/vnd.dev.sigstore.bundle+json;version=0.2": return .v02
    case "application/vnd.dev.sigstore.bundle+json;version=0.3",
      "application/vnd.dev.sigstore.bundle.v0.3+json":
      return .v03
    default: return nil
    }
  }

  /// Parses bundle JSON. Throws only when the document cannot be read as a bundle at all.
  public init(parsing data: Data, path: String? = nil) throws(SignatureError) {
    let raw = try ProtoJSON.decode(RawBundle.self, from: data, code: .malformedBundle, path: path)
    func fail(_ message: String) -> SignatureError {
      SignatureError(.malformedBundle, message, path: path)
    }

    let vm = raw.verificationMaterial
    let material: VerificationMaterial
    if let cert = vm?.certificate {
      material = .certificate(cert.rawBytes.data)
    } else if let chain = vm?.x509CertificateChain {
      guard chain.certificates.count <= Self.maximumCertificates else {
        throw fail(
          "certificate chain has \(chain.certificates.count) certificates (limit \(Self.maximumCertificates))"
        )
      }
      material = .certificateChain(chain.certificates.map(\.rawBytes.data))
    } else if let hint = vm?.publicKey {
      material = .publicKeyHint(hint.hint ?? "")
    } else {
      material = .none
    }
    let rawEntries = vm?.tlogEntries ?? []
    guard rawEntries.count <= Self.maximumTlogEntries else {
      throw fail("\(rawEntries.count) transparency-log entries (limit \(Self.maximumTlogEntries))")
    }
    var entries: [TransparencyLogEntry] = []
    for e in rawEntries {
      if let hashes = e.inclusionProof?.hashes, hashes.count > Self.maximumProofHashes {
        throw fail("inclusion proof with \(hashes.count) hashes (limit \(Self.maximumProofHashes))")
      }
      entries.append(
        TransparencyLogEntry(
          logIndex: e.logIndex.value, logID: e.logId.keyId.data, kind: e.kindVersion.kind,
          kindVersion: e.kindVersion.version, integratedTime: e.integratedTime?.value,
          inclusionPromise: e.inclusionPromise?.signedEntryTimestamp.data,
          inclusionProof: e.inclusionProof.map {
            TransparencyLogEntry.InclusionProof(
              logIndex: $0.logIndex.value, rootHash: $0.rootHash.data, treeSize: $0.treeSize.value,
              hashes: ($0.hashes ?? []).map(\.data), checkpoint: $0.checkpoint?.envelope)
          },
          canonicalizedBody: e.canonicalizedBody?.data ?? Data()))
    }
    let stamps = vm?.timestampVerificationData?.rfc3161Timestamps ?? []
    guard stamps.count <= Self.maximumTimestamps else {
      throw fail("\(stamps.count) RFC 3161 timestamps (limit \(Self.maximumTimestamps))")
    }

    let content: Content
    switch (raw.messageSignature, raw.dsseEnvelope) {
    case (let m?, nil):
      content = .messageSignature(
        MessageSignature(
          digestAlgorithm: m.messageDigest?.algorithm, digest: m.messageDigest?.digest.data,
          signature: m.signature.data))
    case (nil, let d?):
      guard d.signatures.count <= Self.maximumDSSESignatures else {
        throw fail(
          "DSSE envelope with \(d.signatures.count) signatures (limit \(Self.maximumDSSESignatures))"
        )
      }
      content = .dsseEnvelope(
        DSSEEnvelope(
          payloadType: d.payloadType, payload: d.payload.data,
          signatures: d.signatures.map { .init(keyID: $0.keyid ?? "", signature: $0.sig.data) }))
    case (nil, nil): throw fail("bundle has neither messageSignature nor dsseEnvelope")
    case (_?, _?): throw fail("bundle has both messageSignature and dsseEnvelope")
    }
    self.init(
      mediaType: raw.mediaType ?? "", material: material, tlogEntries: entries,
      rfc3161Timestamps: stamps.map(\.signedTimestamp.data), content: content)
  }

  public init(contentsOf path: String) throws(SignatureError) {
    try self.init(
      parsing: try FileInput.read(path, limit: ProtoJSON.maximumDocumentSize), path: path)
  }
}

/// The JSON shape of a bundle (protobuf-specs `dev.sigstore.bundle.v1.Bundle`).
private struct RawBundle: Decodable {
  struct RawCert: Decodable { var rawBytes: ProtoBytes }
  struct Chain: Decodable { var certificates: [RawCert] }
  struct KeyHint: Decodable { var hint: String? }
  struct LogID: Decodable { var keyId: ProtoBytes }
  struct KindVersion: Decodable {
    var kind: String
    var version: String
  }
  struct Promise: Decodable { var signedEntryTimestamp: ProtoBytes }
  struct Checkpoint: Decodable { var envelope: String }
  struct Proof: Decodable {
    var logIndex: ProtoInt64
    var rootHash: ProtoBytes
    var treeSize: ProtoInt64
    var hashes: [ProtoBytes]?
    var checkpoint: Checkpoint?
  }
  struct Entry: Decodable {
    var logIndex: ProtoInt64
    var logId: LogID
    var kindVersion: KindVersion
    var integratedTime: ProtoInt64?
    var inclusionPromise: Promise?
    var inclusionProof: Proof?
    var canonicalizedBody: ProtoBytes?
  }
  struct Stamp: Decodable { var signedTimestamp: ProtoBytes }
  struct TimestampData: Decodable { var rfc3161Timestamps: [Stamp]? }
  struct Material: Decodable {
    var certificate: RawCert?
    var x509CertificateChain: Chain?
    var publicKey: KeyHint?
    var tlogEntries: [Entry]?
    var timestampVerificationData: TimestampData?
  }
  struct Digest: Decodable {
    var algorithm: String?
    var digest: ProtoBytes
  }
  struct Message: Decodable {
    var messageDigest: Digest?
    var signature: ProtoBytes
  }
  struct Signature: Decodable {
    var sig: ProtoBytes
    var keyid: String?
  }
  struct Envelope: Decodable {
    var payload: ProtoBytes
    var payloadType: String
    var signatures: [Signature]
  }
  var mediaType: String?
  var verificationMaterial: Material?
  var messageSignature: Message?
  var dsseEnvelope: Envelope?
}
