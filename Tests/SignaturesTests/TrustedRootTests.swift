import Foundation
import Signatures
import TailguardTesting
import Testing

/// The trusted root is read fail-closed against protobuf-specs (`sigstore_trustroot.proto`,
/// `sigstore_common.proto`): a field a verifier relies on must be present and well formed, and the
/// error names it. Each case spoils exactly one field of the fixture's valid root (which has a
/// CA, a Rekor log, a CT log and a timestamp authority).
struct TrustedRootTests {
  enum Edit: Sendable {
    case remove
    case set(String)
    case emptyList
  }

  struct Case: Sendable, CustomStringConvertible {
    var path: String
    var edit: Edit
    /// The error message after `trusted root: `.
    var message: String
    init(_ path: String, _ edit: Edit, _ message: String) {
      self.path = path
      self.edit = edit
      self.message = message
    }
    var description: String { "\(path) \(edit)" }

    func apply(to json: Data) throws -> Data {
      let value: Any? =
        switch edit {
        case .remove: nil
        case .set(let s): s
        case .emptyList: [Any]()
        }
      return try TestJSON.editing(
        json, path.split(separator: ".").map(String.init), to: value)
    }
  }

  static func root(_ f: SigstoreFixture) throws -> Data {
    try f.trustedRootJSON(timestampAuthority: true)
  }

  @Test func fixtureRootIsValid() throws {
    let root = try TrustedRoot(parsing: Self.root(SigstoreFixture()))
    #expect(root.tlogs.count == 1 && root.ctlogs.count == 1)
    #expect(root.certificateAuthorities.count == 1 && root.timestampAuthorities.count == 1)
    // validFor.end is optional: an open window.
    #expect(root.tlogs[0].publicKey.validFor.end == nil)
  }

  /// Issue 14: a validity window without its start was read as "valid since always", and bundles
  /// verified against such a root were accepted. The start is required for every key and authority.
  static let missingStart: [Case] = [
    Case("tlogs.0.publicKey.validFor.start", .remove, "tlogs[0].publicKey.validFor has no start"),
    Case("ctlogs.0.publicKey.validFor.start", .remove, "ctlogs[0].publicKey.validFor has no start"),
    Case(
      "certificateAuthorities.0.validFor.start", .remove,
      "certificateAuthorities[0].validFor has no start"),
    Case(
      "timestampAuthorities.0.validFor.start", .remove,
      "timestampAuthorities[0].validFor has no start"),
  ]

  @Test(arguments: missingStart)
  func validityWithoutStartIsRejected(_ c: Case) throws {
    let json = try c.apply(to: Self.root(SigstoreFixture()))
    #expect(throws: SignatureError(.malformedTrustedRoot, "trusted root: \(c.message)")) {
      try TrustedRoot(parsing: json)
    }
  }

  /// The other fields a verifier relies on: required by the spec (or, for `validFor` of a log key,
  /// by sigstore-go), and checked for the shape the verifier needs.
  static let malformed: [Case] = [
    Case("tlogs.0.publicKey.validFor", .remove, "tlogs[0].publicKey.validFor is missing"),
    Case("ctlogs.0.publicKey.validFor", .remove, "ctlogs[0].publicKey.validFor is missing"),
    Case(
      "certificateAuthorities.0.validFor", .remove, "certificateAuthorities[0].validFor is missing"),
    Case("timestampAuthorities.0.validFor", .remove, "timestampAuthorities[0].validFor is missing"),
    Case(
      "tlogs.0.publicKey.validFor.start", .set("12 January 2021"),
      "tlogs[0].publicKey.validFor.start '12 January 2021' is not an RFC 3339 time"),
    Case(
      "certificateAuthorities.0.validFor.end", .set("1999-01-01T00:00:00Z"),
      "certificateAuthorities[0].validFor ends before it starts"),
    Case("tlogs.0.baseUrl", .remove, "tlogs[0].baseUrl is missing"),
    Case("ctlogs.0.baseUrl", .set(""), "ctlogs[0].baseUrl is missing"),
    Case("tlogs.0.hashAlgorithm", .remove, "tlogs[0].hashAlgorithm is missing"),
    Case(
      "ctlogs.0.hashAlgorithm", .set("SHA2_384"),
      "ctlogs[0].hashAlgorithm SHA2_384 is not supported (SHA2_256 is)"),
    Case("tlogs.0.publicKey", .remove, "tlogs[0].publicKey is missing"),
    Case("tlogs.0.publicKey.rawBytes", .remove, "tlogs[0].publicKey.rawBytes is missing"),
    Case("ctlogs.0.publicKey.rawBytes", .set(""), "ctlogs[0].publicKey.rawBytes is missing"),
    Case(
      "tlogs.0.publicKey.rawBytes", .set(Data("not a key".utf8).base64EncodedString()),
      "tlogs[0].publicKey rawBytes is not a SubjectPublicKeyInfo"),
    Case("tlogs.0.publicKey.keyDetails", .remove, "tlogs[0].publicKey.keyDetails is missing"),
    Case(
      "tlogs.0.publicKey.keyDetails", .set("PKIX_ED25519"),
      "tlogs[0].publicKey rawBytes holds a ecdsa-p256 key, not the declared PKIX_ED25519"),
    Case(
      "ctlogs.0.publicKey.keyDetails", .set("PUBLIC_KEY_DETAILS_UNSPECIFIED"),
      "ctlogs[0].publicKey keyDetails PUBLIC_KEY_DETAILS_UNSPECIFIED is not supported"),
    Case("tlogs.0.logId", .remove, "tlogs[0].logId.keyId is missing"),
    Case("ctlogs.0.logId.keyId", .set(""), "ctlogs[0].logId.keyId is missing"),
    Case(
      "tlogs.0.logId.keyId", .set(Data(count: 16).base64EncodedString()),
      "tlogs[0].logId.keyId has 16 bytes, not a SHA-256 hash's 32"),
    Case(
      "certificateAuthorities.0.certChain", .remove,
      "certificateAuthorities[0].certChain has no certificates"),
    Case(
      "timestampAuthorities.0.certChain.certificates", .emptyList,
      "timestampAuthorities[0].certChain has no certificates"),
    Case(
      "certificateAuthorities.0.certChain.certificates.0.rawBytes",
      .set(Data("not a certificate".utf8).base64EncodedString()),
      "certificateAuthorities[0].certChain.certificates[0] is not a DER X.509 certificate"),
    Case(
      "timestampAuthorities.0.certChain.certificates.0.rawBytes", .remove,
      "timestampAuthorities[0].certChain.certificates[0] is not a DER X.509 certificate"),
    Case(
      "mediaType", .set("application/vnd.dev.sigstore.trustedroot+json;version=9"),
      "unsupported media type 'application/vnd.dev.sigstore.trustedroot+json;version=9'"),
  ]

  @Test(arguments: malformed)
  func malformedFieldIsRejectedByName(_ c: Case) throws {
    let json = try c.apply(to: Self.root(SigstoreFixture()))
    #expect(throws: SignatureError(.malformedTrustedRoot, "trusted root: \(c.message)")) {
      try TrustedRoot(parsing: json)
    }
  }

  /// What the spec makes optional stays optional: a window's end, an authority's URI and subject
  /// (they identify it for people; nothing is verified with them); and every media type it names.
  @Test func optionalFieldsMayBeAbsent() throws {
    let f = SigstoreFixture()
    var json = try Self.root(f)
    for path in [
      "certificateAuthorities.0.uri", "certificateAuthorities.0.subject",
      "timestampAuthorities.0.uri", "timestampAuthorities.0.subject",
    ] {
      json = try TestJSON.editing(json, path.split(separator: ".").map(String.init), to: nil)
    }
    let root = try TrustedRoot(parsing: json)
    #expect(root.certificateAuthorities[0].uri == "")
    #expect(root.timestampAuthorities[0].subject == "")
    for mediaType in [
      "application/vnd.dev.sigstore.trustedroot.v0.1+json",
      "application/vnd.dev.sigstore.trustedroot.v0.2+json",
    ] {
      let other = try TestJSON.editing(json, ["mediaType"], to: mediaType)
      #expect(try TrustedRoot(parsing: other).mediaType == mediaType)
    }
  }

  /// A ClientTrustConfig is read for its trusted root: its own media type must be the spec's, and
  /// errors inside name the path from the config.
  @Test func clientTrustConfigIsCheckedToo() throws {
    let f = SigstoreFixture()
    let root = try JSONSerialization.jsonObject(with: Self.root(f))
    func config(_ mediaType: String, _ root: Any) throws -> Data {
      try JSONSerialization.data(withJSONObject: [
        "mediaType": mediaType, "trustedRoot": root, "signingConfig": [String: Any](),
      ])
    }
    let good = "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json"
    #expect(try TrustedRoot(parsing: config(good, root)).tlogs.count == 1)
    #expect(
      throws: SignatureError(
        .malformedTrustedRoot, "trusted root: unsupported client trust config media type 'bad'")
    ) { try TrustedRoot(parsing: config("bad", root)) }
    let noStart = try TestJSON.editing(
      config(good, root), ["trustedRoot", "tlogs", "0", "publicKey", "validFor", "start"], to: nil)
    #expect(
      throws: SignatureError(
        .malformedTrustedRoot, "trusted root: trustedRoot.tlogs[0].publicKey.validFor has no start")
    ) { try TrustedRoot(parsing: noStart) }
  }

  /// Windows include both ends (protobuf-specs TimeRange is closed).
  @Test func timeRangeIsInclusive() {
    let start = Date(timeIntervalSince1970: 1_000)
    let end = Date(timeIntervalSince1970: 2_000)
    let range = TrustedRoot.TimeRange(start: start, end: end)
    #expect(range.contains(start) && range.contains(end))
    #expect(
      !range.contains(start.addingTimeInterval(-1)) && !range.contains(end.addingTimeInterval(1)))
    #expect(TrustedRoot.TimeRange(start: start, end: nil).contains(.distantFuture))
  }
}
