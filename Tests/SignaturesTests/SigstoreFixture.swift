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

  /// The trusted root of the fixture's CA, log and CT log; with `timestampAuthority`, the CA also
  /// appears as a timestamp authority (for checks of the root itself).
  func trustedRootJSON(
    caValidFrom: String = "2000-01-01T00:00:00Z", logValidUntil: String? = nil,
    timestampAuthority: Bool = false
  )
    throws -> Data
  {
    var validFor: [String: String] = ["start": "2000-01-01T00:00:00Z"]
    if let logValidUntil { validFor["end"] = logValidUntil }
    let authority: [String: Any] = [
      "subject": ["organization": "example", "commonName": "test-fulcio"],
      "uri": "https://fulcio.example.test",
      "certChain": [
        "certificates": [["rawBytes": try Self.der(caCertificate()).base64EncodedString()]]
      ],
      "validFor": ["start": caValidFrom],
    ]
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
      "certificateAuthorities": [authority],
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
      "timestampAuthorities": timestampAuthority ? [authority] : [],
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

  /// A Rekor v1 entry for `body` (`kind`/`version` as the bundle declares it), logged at index 3
  /// of a 6-entry tree: inclusion proof, signed checkpoint, integrated time, signed entry timestamp.
  func logEntry(body bodyBytes: Data, kind: String, version: String, spoil: Spoilers = Spoilers())
    throws -> [String: Any]
  {
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

    return [
      "logIndex": String(logIndex), "logId": ["keyId": logID.base64EncodedString()],
      "kindVersion": ["kind": kind, "version": version],
      "integratedTime": String(integratedTime),
      "inclusionPromise": ["signedEntryTimestamp": set.base64EncodedString()],
      "inclusionProof": [
        "logIndex": String(index), "rootHash": rootHash.base64EncodedString(),
        "treeSize": String(leaves.count),
        "hashes": proof.map { $0.base64EncodedString() }, "checkpoint": ["envelope": checkpoint],
      ],
      "canonicalizedBody": bodyBytes.base64EncodedString(),
    ]
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
      : try Self.pem(leaf)
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
    let entry = try logEntry(body: bodyBytes, kind: "hashedrekord", version: "0.0.1", spoil: spoil)
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

  /// How the log entry of a DSSE bundle is written (and spoiled): the body of rekor's `dsse`
  /// 0.0.1 or `intoto` 0.0.2 type (``RekorTestBody``), Rekor v2's `dsse` 0.0.2, or another
  /// kind/version; each field from the envelope unless a spoiler says otherwise.
  struct DSSEEntry {
    var kind = "intoto"
    var version = "0.0.2"
    /// The `kindVersion` the bundle declares, when it differs from the body's.
    var declaredKind: String?
    var declaredVersion: String?
    /// The body hashes this payload instead of the envelope's.
    var bodyPayload: Data?
    /// The body records this signature instead of the envelope's.
    var bodySignature: Data?
    /// The body records this payload type (intoto only).
    var bodyPayloadType: String?
    /// The body records this verifier PEM instead of the signer's certificate (or key).
    var bodyVerifierPEM: String?
    /// intoto 0.0.2: `sig` encoded once (the raw signature's base64) instead of rekor's twice.
    var singleEncodedSignature = false
    /// cosign key-based shape: a public-key hint, the PEM key in the body.
    var keyBased = false
  }

  static func hex(_ d: Data) -> String { RekorTestBody.hex(d) }

  static func pem(_ certificate: Certificate) throws -> String {
    "-----BEGIN CERTIFICATE-----\n"
      + (try der(certificate)).base64EncodedString(options: [
        .lineLength64Characters, .endLineWithLineFeed,
      ]) + "\n-----END CERTIFICATE-----\n"
  }

  /// An in-toto statement naming `artifact` by its SHA-256.
  static func statement(about artifact: Data) throws -> Data {
    try JSONSerialization.data(
      withJSONObject: [
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [
          ["name": "artifact", "digest": ["sha256": hex(Data(SHA256.hash(data: artifact)))]]
        ],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": ["buildDefinition": ["buildType": "https://example.test/build"]],
      ], options: [.sortedKeys])
  }

  /// A DSSE bundle (`mediaType`, v0.2 by default: certificate chain) over an in-toto statement
  /// about `artifact`, signed by the leaf key, with one Rekor v1 log entry as `entry` describes it.
  func dsseBundleJSON(
    for artifact: Data, entry how: DSSEEntry = DSSEEntry(),
    mediaType: String = "application/vnd.dev.sigstore.bundle+json;version=0.2"
  ) throws -> Data {
    let payloadType = "application/vnd.in-toto+json"
    let payload = try Self.statement(about: artifact)
    let envelope = DSSEEnvelope(payloadType: payloadType, payload: payload, signatures: [])
    let sig = try signature(over: envelope.preAuthenticationEncoding)
    let leaf = try leafCertificate()
    let leafDER = try Self.der(leaf)
    let verifierPEM =
      try how.bodyVerifierPEM
      ?? (how.keyBased ? leafKey.publicKey.pemRepresentation + "\n" : Self.pem(leaf))
    let envelopeJSON: [String: Any] = [
      "payloadType": payloadType, "payload": payload.base64EncodedString(),
      "signatures": [["keyid": "", "sig": sig.base64EncodedString()]],
    ]
    // The envelope exactly as uploaded to the log (the intoto body keeps its hash).
    let uploaded = try JSONSerialization.data(withJSONObject: envelopeJSON, options: [.sortedKeys])
    let bodySig = how.bodySignature ?? sig
    let bodyPayload = how.bodyPayload ?? payload
    let body: Data
    switch (how.kind, how.version) {
    case ("dsse", "0.0.1"):
      body = try RekorTestBody.dsse(
        payload: bodyPayload, uploadedEnvelope: uploaded, signature: bodySig,
        verifierPEM: verifierPEM)
    case ("intoto", "0.0.2"):
      body = try RekorTestBody.intoto(
        payloadType: how.bodyPayloadType ?? payloadType, payload: bodyPayload,
        uploadedEnvelope: uploaded, signature: bodySig, verifierPEM: verifierPEM,
        singleEncodedSignature: how.singleEncodedSignature)
    case ("dsse", "0.0.2"):
      // Rekor v2 (rekor-tiles): protobuf JSON, digests in base64, the verifier as DER.
      body = try JSONSerialization.data(
        withJSONObject: [
          "apiVersion": "0.0.2", "kind": "dsse",
          "spec": [
            "dsseV002": [
              "payloadHash": [
                "algorithm": "SHA2_256",
                "digest": Data(SHA256.hash(data: bodyPayload)).base64EncodedString(),
              ],
              "signatures": [
                [
                  "content": bodySig.base64EncodedString(),
                  "verifier": [
                    "x509Certificate": ["rawBytes": leafDER.base64EncodedString()],
                    "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                  ],
                ]
              ],
            ]
          ],
        ], options: [.sortedKeys])
    default:
      // Any other type (e.g. rekor intoto v0.0.1: hashes and key, no signature in the body).
      body = try JSONSerialization.data(
        withJSONObject: [
          "apiVersion": how.version, "kind": how.kind,
          "spec": [
            "content": [
              "hash": [
                "algorithm": "sha256", "value": Self.hex(Data(SHA256.hash(data: uploaded))),
              ],
              "payloadHash": [
                "algorithm": "sha256", "value": Self.hex(Data(SHA256.hash(data: bodyPayload))),
              ],
            ],
            "publicKey": Data(verifierPEM.utf8).base64EncodedString(),
          ],
        ], options: [.sortedKeys])
    }
    let entry = try logEntry(
      body: body, kind: how.declaredKind ?? how.kind, version: how.declaredVersion ?? how.version)
    let bundle: [String: Any] = [
      "mediaType": mediaType,
      "verificationMaterial": [
        how.keyBased ? "publicKey" : "x509CertificateChain": how.keyBased
          ? ["hint": logID.base64EncodedString()] as [String: Any]
          : ["certificates": [["rawBytes": leafDER.base64EncodedString()]]],
        "tlogEntries": [entry],
      ],
      "dsseEnvelope": envelopeJSON,
    ]
    return try JSONSerialization.data(withJSONObject: bundle, options: [.sortedKeys])
  }

  var policy: CertificateIdentityPolicy {
    CertificateIdentityPolicy(identity: .exact(identity), issuer: .exact(issuer))
  }

  /// nil when verified, else the failed check.
  func verify(
    _ bundleJSON: Data, artifact: Data?, policy: CertificateIdentityPolicy? = nil,
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
