import Crypto
import Foundation
import X509
import _CryptoExtras

/// A Sigstore `trusted_root.json` (`application/vnd.dev.sigstore.trustedroot+json;version=0.1`):
/// the transparency logs, Fulcio certificate authorities, CT logs and timestamp authorities a
/// verifier trusts, each with the time window in which it may be used.
public struct TrustedRoot: Sendable, Hashable {
  /// `validFor`: a key or CA may only vouch for events inside this window.
  public struct TimeRange: Sendable, Hashable {
    /// Required: a window without a start is a malformed trusted root, never "since always".
    public var start: Date
    /// Optional: nil means the window is still open.
    public var end: Date?
    public init(start: Date, end: Date?) {
      self.start = start
      self.end = end
    }
    /// Inclusive of both ends (protobuf-specs TimeRange).
    public func contains(_ date: Date) -> Bool {
      if date < start { return false }
      if let end, date > end { return false }
      return true
    }
  }

  public struct PublicKeyEntry: Sendable, Hashable {
    /// SubjectPublicKeyInfo DER (a PKCS#1 RSAPublicKey for the deprecated `PKCS1_RSA_PKCS1V5`).
    public var rawBytes: Data
    /// e.g. `PKIX_ECDSA_P256_SHA_256`, `PKIX_ED25519`.
    public var keyDetails: String
    public var validFor: TimeRange
  }

  /// A transparency log (Rekor) or certificate-transparency log.
  public struct LogInstance: Sendable, Hashable {
    public var baseURL: String
    public var hashAlgorithm: String
    public var publicKey: PublicKeyEntry
    public var logID: Data

    /// The checkpoint origin / signed-note key name: the base URL without its scheme.
    public var noteName: String {
      var s = baseURL
      for prefix in ["https://", "http://"] where s.hasPrefix(prefix) {
        s.removeFirst(prefix.count)
      }
      while s.hasSuffix("/") { s.removeLast() }
      return s
    }
  }

  /// A certificate authority (Fulcio) or timestamp authority: chain leaf-first, root last.
  public struct CertificateAuthority: Sendable, Hashable {
    public var subject: String
    public var uri: String
    public var certChain: [Data]
    public var validFor: TimeRange
  }

  public var mediaType: String
  public var tlogs: [LogInstance]
  public var certificateAuthorities: [CertificateAuthority]
  public var ctlogs: [LogInstance]
  public var timestampAuthorities: [CertificateAuthority]

  static let maximumEntries = 256

  /// The media types of protobuf-specs' `TrustedRoot` (v0.2, v0.1, and v0.1's older spelling).
  static let mediaTypes: Set<String> = [
    "application/vnd.dev.sigstore.trustedroot.v0.2+json",
    "application/vnd.dev.sigstore.trustedroot.v0.1+json",
    "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
  ]
  /// The media type of protobuf-specs' `ClientTrustConfig`, which wraps a trusted root.
  static let clientTrustConfigMediaType = "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json"

  /// Parses a trusted root (or a ClientTrustConfig holding one) and checks every field a verifier
  /// relies on, failing closed: the spec's required fields must be present and well formed (a
  /// validity window needs its start; only its end is optional), so nothing malformed is read as
  /// "valid for all time" or silently skipped. Errors name the field, e.g.
  /// `trusted root: tlogs[0].publicKey.validFor has no start`.
  public init(parsing data: Data, path: String? = nil) throws(SignatureError) {
    var raw = try ProtoJSON.decode(
      RawTrustedRoot.self, from: data, code: .malformedTrustedRoot, path: path)
    func fail(_ m: String) -> SignatureError {
      SignatureError(.malformedTrustedRoot, "trusted root: \(m)", path: path)
    }
    // A ClientTrustConfig wraps the trusted root; accept it too (sigstore-python's
    // --trust-config files).
    var prefix = ""
    if raw.tlogs == nil, raw.certificateAuthorities == nil, let inner = raw.trustedRoot?.value {
      guard raw.mediaType == Self.clientTrustConfigMediaType else {
        throw fail(
          "unsupported client trust config media type '\(raw.mediaType?.prefix(80) ?? "")'")
      }
      raw = inner
      prefix = "trustedRoot."
    }
    guard let mediaType = raw.mediaType, Self.mediaTypes.contains(mediaType) else {
      throw fail("unsupported media type '\(raw.mediaType?.prefix(80) ?? "")'")
    }
    let counts = [
      raw.tlogs?.count, raw.ctlogs?.count, raw.certificateAuthorities?.count,
      raw.timestampAuthorities?.count,
    ]
    guard counts.allSatisfy({ ($0 ?? 0) <= Self.maximumEntries }) else {
      throw fail("too many entries")
    }

    // sigstore_common.proto TimeRange: `start` is required, `end` is optional (open-ended).
    func range(_ r: RawTrustedRoot.Range?, _ field: String) throws(SignatureError) -> TimeRange {
      guard let r else { throw fail("\(field) is missing") }
      guard let s = r.start else { throw fail("\(field) has no start") }
      guard let start = RFC3339.parse(s) else {
        throw fail("\(field).start '\(s.prefix(40))' is not an RFC 3339 time")
      }
      guard let e = r.end else { return TimeRange(start: start, end: nil) }
      guard let end = RFC3339.parse(e) else {
        throw fail("\(field).end '\(e.prefix(40))' is not an RFC 3339 time")
      }
      guard end >= start else { throw fail("\(field) ends before it starts") }
      return TimeRange(start: start, end: end)
    }
    func logs(_ list: [RawTrustedRoot.Log]?, _ name: String) throws(SignatureError)
      -> [LogInstance]
    {
      var out: [LogInstance] = []
      for (i, l) in (list ?? []).enumerated() {
        let field = "\(prefix)\(name)[\(i)]"
        guard let baseURL = l.baseUrl, !baseURL.isEmpty else {
          throw fail("\(field).baseUrl is missing")
        }
        guard let hash = l.hashAlgorithm else { throw fail("\(field).hashAlgorithm is missing") }
        guard hash == "SHA2_256" else {
          throw fail("\(field).hashAlgorithm \(hash.prefix(40)) is not supported (SHA2_256 is)")
        }
        guard let key = l.publicKey else { throw fail("\(field).publicKey is missing") }
        guard let rawKey = key.rawBytes?.data, !rawKey.isEmpty else {
          throw fail("\(field).publicKey.rawBytes is missing")
        }
        guard let details = key.keyDetails else {
          throw fail("\(field).publicKey.keyDetails is missing")
        }
        if let problem = Self.keyProblem(rawKey, details: details) {
          throw fail("\(field).publicKey \(problem)")
        }
        let validFor = try range(key.validFor, "\(field).publicKey.validFor")
        guard let logID = l.logId?.keyId?.data, !logID.isEmpty else {
          throw fail("\(field).logId.keyId is missing")
        }
        guard logID.count == 32 else {
          throw fail("\(field).logId.keyId has \(logID.count) bytes, not a SHA-256 hash's 32")
        }
        out.append(
          LogInstance(
            baseURL: baseURL, hashAlgorithm: hash,
            publicKey: PublicKeyEntry(rawBytes: rawKey, keyDetails: details, validFor: validFor),
            logID: logID))
      }
      return out
    }
    func authorities(_ list: [RawTrustedRoot.Authority]?, _ name: String) throws(SignatureError)
      -> [CertificateAuthority]
    {
      var out: [CertificateAuthority] = []
      for (i, a) in (list ?? []).enumerated() {
        let field = "\(prefix)\(name)[\(i)]"
        guard let certificates = a.certChain?.certificates, !certificates.isEmpty else {
          throw fail("\(field).certChain has no certificates")
        }
        guard certificates.count <= 10 else {
          throw fail("\(field).certChain has \(certificates.count) certificates (limit 10)")
        }
        var chain: [Data] = []
        for (j, c) in certificates.enumerated() {
          guard let der = c.rawBytes?.data, (try? Certificate(derEncoded: Array(der))) != nil else {
            throw fail("\(field).certChain.certificates[\(j)] is not a DER X.509 certificate")
          }
          chain.append(der)
        }
        let validFor = try range(a.validFor, "\(field).validFor")
        // subject and uri identify the authority for people; neither is used to verify.
        let subject = [a.subject?.organization, a.subject?.commonName].compactMap { $0 }.joined(
          separator: "/")
        out.append(
          CertificateAuthority(
            subject: subject, uri: a.uri ?? "", certChain: chain, validFor: validFor))
      }
      return out
    }
    self.mediaType = mediaType
    self.tlogs = try logs(raw.tlogs, "tlogs")
    self.ctlogs = try logs(raw.ctlogs, "ctlogs")
    self.certificateAuthorities = try authorities(
      raw.certificateAuthorities, "certificateAuthorities")
    self.timestampAuthorities = try authorities(raw.timestampAuthorities, "timestampAuthorities")
  }

  /// Why `rawBytes` is not a usable key of the declared `keyDetails`, or nil when it is. The
  /// accepted PublicKeyDetails are the ones Sigstore logs use (sigstore-go accepts the same set);
  /// the key must be of the declared algorithm (and RSA size).
  static func keyProblem(_ rawBytes: Data, details: String) -> String? {
    let expected: VerificationKey.Algorithm
    var rsaBits: Int?
    switch details {
    case "PKIX_ECDSA_P256_SHA_256": expected = .ecdsaP256
    case "PKIX_ECDSA_P384_SHA_384": expected = .ecdsaP384
    case "PKIX_ECDSA_P521_SHA_512": expected = .ecdsaP521
    case "PKIX_ED25519": expected = .ed25519
    case "PKIX_RSA_PKCS1V15_2048_SHA256": (expected, rsaBits) = (.rsa, 2048)
    case "PKIX_RSA_PKCS1V15_3072_SHA256": (expected, rsaBits) = (.rsa, 3072)
    case "PKIX_RSA_PKCS1V15_4096_SHA256": (expected, rsaBits) = (.rsa, 4096)
    case "PKCS1_RSA_PKCS1V5":
      // Deprecated, still used by Sigstore staging's first CT log: a PKCS#1 RSAPublicKey.
      return (try? _RSA.Signing.PublicKey(derRepresentation: rawBytes)) == nil
        ? "rawBytes is not an RSA public key" : nil
    default:
      return "keyDetails \(details.prefix(40)) is not supported"
    }
    guard let key = try? VerificationKey(spkiDER: rawBytes) else {
      return "rawBytes is not a SubjectPublicKeyInfo"
    }
    guard key.algorithm == expected else {
      return "rawBytes holds a \(key.algorithm.rawValue) key, not the declared \(details)"
    }
    if let rsaBits {
      guard let rsa = try? _RSA.Signing.PublicKey(derRepresentation: rawBytes),
        rsa.keySizeInBits == rsaBits
      else { return "rawBytes is not a \(rsaBits)-bit RSA key as declared by \(details)" }
    }
    return nil
  }

  public init(contentsOf path: String) throws(SignatureError) {
    try self.init(
      parsing: try FileInput.read(path, limit: ProtoJSON.maximumDocumentSize), path: path)
  }

  /// The public Sigstore production root that ships with tailguard.
  public static func production() throws(SignatureError) -> TrustedRoot {
    try TrustedRoot(
      parsing: Data(ProductionTrustedRoot.json.utf8), path: "<embedded production trusted root>")
  }

  /// The transparency log whose log ID is `logID`.
  public func tlog(withID logID: Data) -> LogInstance? { tlogs.first { $0.logID == logID } }
}

private struct RawTrustedRoot: Decodable {
  final class Box: Decodable {
    let value: RawTrustedRoot
    required init(from decoder: any Decoder) throws { value = try RawTrustedRoot(from: decoder) }
  }
  struct Range: Decodable {
    var start: String?
    var end: String?
  }
  struct Key: Decodable {
    var rawBytes: ProtoBytes?
    var keyDetails: String?
    var validFor: Range?
  }
  struct LogID: Decodable { var keyId: ProtoBytes? }
  struct Log: Decodable {
    var baseUrl: String?
    var hashAlgorithm: String?
    var publicKey: Key?
    var logId: LogID?
  }
  struct Cert: Decodable { var rawBytes: ProtoBytes? }
  struct Chain: Decodable { var certificates: [Cert]? }
  struct Subject: Decodable {
    var organization: String?
    var commonName: String?
  }
  struct Authority: Decodable {
    var subject: Subject?
    var uri: String?
    var certChain: Chain?
    var validFor: Range?
  }
  var mediaType: String?
  var tlogs: [Log]?
  var certificateAuthorities: [Authority]?
  var ctlogs: [Log]?
  var timestampAuthorities: [Authority]?
  /// Present when the file is a ClientTrustConfig.
  var trustedRoot: Box?
}
