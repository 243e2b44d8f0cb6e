import Crypto
import Foundation

/// A Sigstore `trusted_root.json` (`application/vnd.dev.sigstore.trustedroot+json;version=0.1`):
/// the transparency logs, Fulcio certificate authorities, CT logs and timestamp authorities a
/// verifier trusts, each with the time window in which it may be used.
public struct TrustedRoot: Sendable, Hashable {
  /// `validFor`: a key or CA may only vouch for events inside this window.
  public struct TimeRange: Sendable, Hashable {
    public var start: Date?
    public var end: Date?
    public init(start: Date?, end: Date?) {
      self.start = start
      self.end = end
    }
    public func contains(_ date: Date) -> Bool {
      if let start, date < start { return false }
      if let end, date > end { return false }
      return true
    }
  }

  public struct PublicKeyEntry: Sendable, Hashable {
    /// SubjectPublicKeyInfo DER.
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

  public init(parsing data: Data, path: String? = nil) throws(SignatureError) {
    var raw = try ProtoJSON.decode(
      RawTrustedRoot.self, from: data, code: .malformedTrustedRoot, path: path)
    // A ClientTrustConfig wraps the trusted root; accept it too (sigstore-python's --trust-config files).
    if raw.tlogs == nil, raw.certificateAuthorities == nil, let inner = raw.trustedRoot?.value {
      raw = inner
    }
    func fail(_ m: String) -> SignatureError {
      SignatureError(.malformedTrustedRoot, m, path: path)
    }
    guard let mediaType = raw.mediaType,
      mediaType.hasPrefix("application/vnd.dev.sigstore.trustedroot")
    else {
      throw fail("unsupported trusted root media type '\(raw.mediaType?.prefix(80) ?? "")'")
    }
    let counts = [
      raw.tlogs?.count, raw.ctlogs?.count, raw.certificateAuthorities?.count,
      raw.timestampAuthorities?.count,
    ]
    guard counts.allSatisfy({ ($0 ?? 0) <= Self.maximumEntries }) else {
      throw fail("too many entries")
    }

    func range(_ r: RawTrustedRoot.Range?) throws(SignatureError) -> TimeRange {
      var start: Date?
      var end: Date?
      if let s = r?.start {
        guard let d = RFC3339.parse(s) else { throw fail("bad time '\(s.prefix(40))'") }
        start = d
      }
      if let e = r?.end {
        guard let d = RFC3339.parse(e) else { throw fail("bad time '\(e.prefix(40))'") }
        end = d
      }
      return TimeRange(start: start, end: end)
    }
    func logs(_ list: [RawTrustedRoot.Log]?) throws(SignatureError) -> [LogInstance] {
      var out: [LogInstance] = []
      for l in list ?? [] {
        guard let key = l.publicKey.rawBytes?.data else {
          throw fail("log \(l.baseUrl ?? "?") has no public key")
        }
        out.append(
          LogInstance(
            baseURL: l.baseUrl ?? "", hashAlgorithm: l.hashAlgorithm ?? "SHA2_256",
            publicKey: PublicKeyEntry(
              rawBytes: key, keyDetails: l.publicKey.keyDetails ?? "",
              validFor: try range(l.publicKey.validFor)),
            logID: l.logId.keyId.data))
      }
      return out
    }
    func authorities(_ list: [RawTrustedRoot.Authority]?) throws(SignatureError)
      -> [CertificateAuthority]
    {
      var out: [CertificateAuthority] = []
      for a in list ?? [] {
        let chain = a.certChain?.certificates.map(\.rawBytes.data) ?? []
        guard !chain.isEmpty, chain.count <= 10 else {
          throw fail("authority \(a.uri ?? "?") has a bad certificate chain")
        }
        let subject = [a.subject?.organization, a.subject?.commonName].compactMap { $0 }.joined(
          separator: "/")
        out.append(
          CertificateAuthority(
            subject: subject, uri: a.uri ?? "", certChain: chain, validFor: try range(a.validFor)))
      }
      return out
    }
    self.mediaType = mediaType
    self.tlogs = try logs(raw.tlogs)
    self.ctlogs = try logs(raw.ctlogs)
    self.certificateAuthorities = try authorities(raw.certificateAuthorities)
    self.timestampAuthorities = try authorities(raw.timestampAuthorities)
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
  struct LogID: Decodable { var keyId: ProtoBytes }
  struct Log: Decodable {
    var baseUrl: String?
    var hashAlgorithm: String?
    var publicKey: Key
    var logId: LogID
  }
  struct Cert: Decodable { var rawBytes: ProtoBytes }
  struct Chain: Decodable { var certificates: [Cert] }
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
