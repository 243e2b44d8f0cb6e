import Crypto
import Foundation
import Signatures
import SwiftASN1
import TailguardTesting
import X509

/// Builds a complete private Sigstore instance inside a test: a Fulcio-like CA, a signing
/// certificate with SAN and OIDC issuer extensions, a Rekor-like log (P-256 key, Merkle tree,
/// signed checkpoint, signed entry timestamp) and the trusted root describing them. Every piece
/// can be spoiled on purpose to check that each verification step fails with its own reason.
struct SigstoreFixture {
  let caKey = P256.Signing.PrivateKey()
  let leafKey = P256.Signing.PrivateKey()
  let logKey = P256.Signing.PrivateKey()
  let ctKey = P256.Signing.PrivateKey()
  let leafSerial = Certificate.SerialNumber()
  let integratedTime: Int64 = 1_750_000_000
  var identity = "builder@example.com"
  var issuer = "https://accounts.example.com"
  var workflowRepository: String? = "example/project"
  var logName = "log.example.test"

  var signingDate: Date { Date(timeIntervalSince1970: TimeInterval(integratedTime)) }

  static func der<T: DERSerializable>(_ value: T) throws -> Data {
    var s = DER.Serializer()
    try s.serialize(value)
    return Data(s.serializedBytes)
  }

  func caCertificate() throws -> Certificate {
    let name = try DistinguishedName { CommonName("test-fulcio-root") }
    return try Certificate(
      version: .v3, serialNumber: .init(), publicKey: .init(caKey.publicKey),
      notValidBefore: signingDate.addingTimeInterval(-86_400 * 365),
      notValidAfter: signingDate.addingTimeInterval(86_400 * 365),
      issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
      extensions: try Certificate.Extensions {
        Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
        Critical(KeyUsage(keyCertSign: true))
      }, issuerPrivateKey: .init(caKey))
  }

  /// The signing certificate, valid for ten minutes around the signing time unless told otherwise,
  /// with an embedded SCT from the fixture's CT log (signed over the precertificate, RFC 6962 §3.2).
  func leafCertificate(
    notBefore: Date? = nil, notAfter: Date? = nil, codeSigning: Bool = true, sct: Bool = true,
    sctKey: P256.Signing.PrivateKey? = nil
  ) throws -> Certificate {
    var extensions = try Certificate.Extensions {
      Critical(KeyUsage(digitalSignature: true))
      try ExtendedKeyUsage(codeSigning ? [.codeSigning] : [.emailProtection])
      Critical(SubjectAlternativeNames([.rfc822Name(identity)]))
    }
    try extensions.append(
      Certificate.Extension(
        oid: [1, 3, 6, 1, 4, 1, 57264, 1, 1], critical: false, value: ArraySlice(issuer.utf8)))
    try extensions.append(
      Certificate.Extension(
        oid: [1, 3, 6, 1, 4, 1, 57264, 1, 8], critical: false,
        value: ArraySlice(Self.der(ASN1UTF8String(issuer)))))
    if let workflowRepository {
      try extensions.append(
        Certificate.Extension(
          oid: [1, 3, 6, 1, 4, 1, 57264, 1, 5], critical: false,
          value: ArraySlice(workflowRepository.utf8)))
    }
    func make(_ extensions: Certificate.Extensions) throws -> Certificate {
      try Certificate(
        version: .v3, serialNumber: leafSerial, publicKey: .init(leafKey.publicKey),
        notValidBefore: notBefore ?? signingDate.addingTimeInterval(-300),
        notValidAfter: notAfter ?? signingDate.addingTimeInterval(300),
        issuer: try caCertificate().subject, subject: DistinguishedName(),
        signatureAlgorithm: .ecdsaWithSHA256,
        extensions: extensions, issuerPrivateKey: .init(caKey))
    }
    guard sct else { return try make(extensions) }
    let precert = try make(extensions)
    let timestamp = UInt64(integratedTime) * 1000 - 500
    var signed: [UInt8] = [0, 0] + withUnsafeBytes(of: timestamp.bigEndian, Array.init) + [0, 1]
    signed += Array(SHA256.hash(data: caKey.publicKey.derRepresentation))
    let tbs = Array(precert.tbsCertificateBytes)
    signed +=
      [UInt8(tbs.count >> 16 & 0xFF), UInt8(tbs.count >> 8 & 0xFF), UInt8(tbs.count & 0xFF)] + tbs
      + [0, 0]
    let signer = sctKey ?? ctKey
    let sig = Array(try signer.signature(for: SHA256.hash(data: signed)).derRepresentation)
    var sctBytes: [UInt8] = [0] + Array(SHA256.hash(data: signer.publicKey.derRepresentation))
    sctBytes += withUnsafeBytes(of: timestamp.bigEndian, Array.init) + [0, 0, 4, 3]
    sctBytes += [UInt8(sig.count >> 8), UInt8(sig.count & 0xFF)] + sig
    let entry = [UInt8(sctBytes.count >> 8), UInt8(sctBytes.count & 0xFF)] + sctBytes
    let list = [UInt8(entry.count >> 8), UInt8(entry.count & 0xFF)] + entry
    try extensions.append(
      Certificate.Extension(
        oid: [1, 3, 6, 1, 4, 1, 11129, 2, 4, 2], critical: false,
        value: ArraySlice(Self.der(ASN1OctetString(contentBytes: ArraySlice(list))))))
    return try make(extensions)
  }

  var logID: Data { Data(SHA256.hash(data: logKey.publicKey.derRepresentation)) }

  func trustedRootJSON(caValidFrom: String = "2000-01-01T00:00:00Z", logValidUntil: String? = nil)
    throws -> Data
  {
    var validFor: [String: String] = ["start": "2000-01-01T00:00:00Z"]
    if let logValidUntil { validFor["end"] = logValidUntil }
    let root: [String: Any] = [
      "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
      "tlogs": [
        [
          "baseUrl": "https://\(logName)", "hashAlgorithm": "SHA2_256",
          "publicKey": [
            "rawBytes": logKey.publicKey.derRepresentation.base64EncodedString(),
            "keyDetails": "PKIX_ECDSA_P256_SHA_256", "validFor": validFor,
          ],
          "logId": ["keyId": logID.base64EncodedString()],
        ]
      ],
      "certificateAuthorities": [
        [
          "subject": ["organization": "example", "commonName": "test-fulcio"],
          "uri": "https://fulcio.example.test",
          "certChain": [
            "certificates": [["rawBytes": try Self.der(caCertificate()).base64EncodedString()]]
          ],
          "validFor": ["start": caValidFrom],
        ]
      ],
      "ctlogs": [
        [
          "baseUrl": "https://ct.example.test", "hashAlgorithm": "SHA2_256",
          "publicKey": [
            "rawBytes": ctKey.publicKey.derRepresentation.base64EncodedString(),
            "keyDetails": "PKIX_ECDSA_P256_SHA_256", "validFor": ["start": "2000-01-01T00:00:00Z"],
          ],
          "logId": [
            "keyId": Data(SHA256.hash(data: ctKey.publicKey.derRepresentation))
              .base64EncodedString()
          ],
        ]
      ],
      "timestampAuthorities": [],
    ]
    return try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys])
  }

  func trustedRoot() throws -> TrustedRoot { try TrustedRoot(parsing: trustedRootJSON()) }

  // MARK: Merkle tree (RFC 6962 §2.1): `TestMerkleTree` in TailguardTesting.

  static func root(_ leaves: ArraySlice<Data>) -> Data { TestMerkleTree.root(leaves) }
  static func path(_ m: Int, _ leaves: ArraySlice<Data>) -> [Data] {
    TestMerkleTree.path(m, leaves)
  }

  // MARK: Bundles

  struct Spoilers {
    var artifactForSignature: Data?
    var bodyDigest: Data?
    var dropLogEntry = false
    var breakProof = false
    var breakCheckpointSignature = false
    var breakPromise = false
    var unknownLogID = false
    var leaf: Certificate?
    var messageDigest: Data?
    /// cosign key-based shape: a public-key hint instead of a certificate, the PEM key in the log body.
    var keyBased = false
  }

  func signature(over data: Data) throws -> Data {
    try leafKey.signature(for: SHA256.hash(data: data)).derRepresentation
  }

  /// A v0.3 message-signature bundle for `artifact`, logged at index 3 of a 6-entry tree.
  func bundleJSON(for artifact: Data, spoil: Spoilers = Spoilers()) throws -> Data {
    let leaf = try spoil.leaf ?? leafCertificate()
    let leafDER = try Self.der(leaf)
    let sig = try signature(over: spoil.artifactForSignature ?? artifact)
    let digest = Data(SHA256.hash(data: artifact))
    let pem =
      spoil.keyBased
      ? leafKey.publicKey.pemRepresentation + "\n"
      : "-----BEGIN CERTIFICATE-----\n\(leafDER.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed]))\n-----END CERTIFICATE-----\n"
    let body: [String: Any] = [
      "apiVersion": "0.0.1", "kind": "hashedrekord",
      "spec": [
        "data": [
          "hash": [
            "algorithm": "sha256",
            "value": (spoil.bodyDigest ?? digest).map { String(format: "%02x", $0) }.joined(),
          ]
        ],
        "signature": [
          "content": sig.base64EncodedString(),
          "publicKey": ["content": Data(pem.utf8).base64EncodedString()],
        ],
      ],
    ]
    let bodyBytes = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
    var leaves = (0..<6).map { Data("other entry \($0)".utf8) }
    let index = 3
    leaves[index] = bodyBytes
    let rootHash = Self.root(leaves[...])
    var proof = Self.path(index, leaves[...])
    if spoil.breakProof { proof[0] = Data(SHA256.hash(data: Data("x".utf8))) }
    let logID = spoil.unknownLogID ? Data(SHA256.hash(data: Data("other log".utf8))) : self.logID

    let note = "\(logName) - 42\n\(leaves.count)\n\(rootHash.base64EncodedString())\n"
    var noteSig = try logKey.signature(for: SHA256.hash(data: Data(note.utf8))).derRepresentation
    if spoil.breakCheckpointSignature {
      noteSig = try logKey.signature(for: SHA256.hash(data: Data("other".utf8))).derRepresentation
    }
    let checkpoint =
      note + "\n\u{2014} \(logName) \((logID.prefix(4) + noteSig).base64EncodedString())\n"

    let logIndex: Int64 = 1_000 + Int64(index)
    let setPayload =
      "{\"body\":\"\(bodyBytes.base64EncodedString())\",\"integratedTime\":\(integratedTime),\"logID\":\"\(logID.map { String(format: "%02x", $0) }.joined())\",\"logIndex\":\(logIndex)}"
    var set = try logKey.signature(for: SHA256.hash(data: Data(setPayload.utf8))).derRepresentation
    if spoil.breakPromise {
      set = try logKey.signature(for: SHA256.hash(data: Data("other".utf8))).derRepresentation
    }

    let entry: [String: Any] = [
      "logIndex": String(logIndex), "logId": ["keyId": logID.base64EncodedString()],
      "kindVersion": ["kind": "hashedrekord", "version": "0.0.1"],
      "integratedTime": String(integratedTime),
      "inclusionPromise": ["signedEntryTimestamp": set.base64EncodedString()],
      "inclusionProof": [
        "logIndex": String(index), "rootHash": rootHash.base64EncodedString(),
        "treeSize": String(leaves.count),
        "hashes": proof.map { $0.base64EncodedString() }, "checkpoint": ["envelope": checkpoint],
      ],
      "canonicalizedBody": bodyBytes.base64EncodedString(),
    ]
    let bundle: [String: Any] = [
      "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
      "verificationMaterial": [
        spoil.keyBased ? "publicKey" : "certificate": spoil.keyBased
          ? ["hint": logID.base64EncodedString()] : ["rawBytes": leafDER.base64EncodedString()],
        "tlogEntries": spoil.dropLogEntry ? [] : [entry],
      ],
      "messageSignature": [
        "messageDigest": [
          "algorithm": "SHA2_256", "digest": (spoil.messageDigest ?? digest).base64EncodedString(),
        ],
        "signature": sig.base64EncodedString(),
      ],
    ]
    return try JSONSerialization.data(withJSONObject: bundle, options: [.sortedKeys])
  }

  var policy: CertificateIdentityPolicy {
    CertificateIdentityPolicy(identity: .exact(identity), issuer: .exact(issuer))
  }

  /// nil when verified, else the failed check.
  func verify(
    _ bundleJSON: Data, artifact: Data, policy: CertificateIdentityPolicy? = nil,
    root: TrustedRoot? = nil
  )
    async throws -> VerificationFailure?
  {
    let bundle = try SigstoreBundle(parsing: bundleJSON)
    let trusted = try root ?? trustedRoot()
    do {
      _ = try await SigstoreVerifier(trustedRoot: trusted).verify(
        bundle: bundle, artifact: artifact, signer: .certificate(policy ?? self.policy))
      return nil
    } catch {
      return error
    }
  }
}
