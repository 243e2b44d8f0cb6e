import Crypto
import Foundation
import Signatures
import SwiftASN1
import TailguardTesting
import X509

/// A private Sigstore made inside a test, written in cosign's public formats: a Fulcio-like CA
/// (root + leaf with SAN and OIDC-issuer extensions and an embedded SCT), a Rekor-like log key
/// (signed entry timestamps, Merkle tree and signed checkpoint), a CT log key, and the
/// `trusted_root.json` listing them. Image signatures are produced as cosign writes them:
/// simple-signing payload layers with signature / certificate / chain / bundle annotations, and
/// Sigstore bundles (DSSE in-toto statements) as OCI referrers.
struct TestSigstore {
  let caKey = P256.Signing.PrivateKey()
  let leafKey = P256.Signing.PrivateKey()
  let logKey = P256.Signing.PrivateKey()
  let ctKey = P256.Signing.PrivateKey()
  let leafSerial = Certificate.SerialNumber()
  /// Signing time (the log's integrated time); certificates are valid ten minutes around it.
  let integratedTime: Int64 = 1_750_000_000
  var identity = "builder@example.com"
  var issuer = "https://accounts.example.com"
  let logName = "rekor.example.test"

  var signingDate: Date { Date(timeIntervalSince1970: TimeInterval(integratedTime)) }
  var logID: Data { Data(SHA256.hash(data: logKey.publicKey.derRepresentation)) }

  static func der<T: DERSerializable>(_ value: T) throws -> Data {
    var s = DER.Serializer()
    try s.serialize(value)
    return Data(s.serializedBytes)
  }

  static func pem(_ cert: Certificate) throws -> String {
    "-----BEGIN CERTIFICATE-----\n"
      + (try der(cert)).base64EncodedString(options: [
        .lineLength64Characters, .endLineWithLineFeed,
      ]) + "\n-----END CERTIFICATE-----\n"
  }

  static func hex(_ d: Data) -> String { d.map { String(format: "%02x", $0) }.joined() }
  static func sha256(_ d: Data) -> String { "sha256:" + hex(Data(SHA256.hash(data: d))) }
  static func json(_ o: Any) throws -> Data {
    try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])
  }

  // MARK: Certificates

  func caCertificate() throws -> Certificate {
    let name = try DistinguishedName { CommonName("tailguard-test-fulcio-root") }
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

  /// The Fulcio-style signing certificate: code signing, SAN email (or URI), OIDC issuer in both
  /// the legacy (1.3.6.1.4.1.57264.1.1, raw) and current (….1.8, DER UTF8String) extensions, and
  /// an SCT from the test CT log over the precertificate (RFC 6962 §3.2).
  func leafCertificate(notBefore: Date? = nil, notAfter: Date? = nil, uri: Bool = false) throws
    -> Certificate
  {
    var extensions = try Certificate.Extensions {
      Critical(KeyUsage(digitalSignature: true))
      try ExtendedKeyUsage([.codeSigning])
      Critical(
        SubjectAlternativeNames([
          uri ? .uniformResourceIdentifier(identity) : .rfc822Name(identity)
        ]))
    }
    try extensions.append(
      Certificate.Extension(
        oid: [1, 3, 6, 1, 4, 1, 57264, 1, 1], critical: false, value: ArraySlice(issuer.utf8)))
    try extensions.append(
      Certificate.Extension(
        oid: [1, 3, 6, 1, 4, 1, 57264, 1, 8], critical: false,
        value: ArraySlice(Self.der(ASN1UTF8String(issuer)))))
    func make(_ extensions: Certificate.Extensions) throws -> Certificate {
      try Certificate(
        version: .v3, serialNumber: leafSerial, publicKey: .init(leafKey.publicKey),
        notValidBefore: notBefore ?? signingDate.addingTimeInterval(-300),
        notValidAfter: notAfter ?? signingDate.addingTimeInterval(300),
        issuer: try caCertificate().subject, subject: DistinguishedName(),
        signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
        issuerPrivateKey: .init(caKey))
    }
    let precert = try make(extensions)
    let timestamp = UInt64(integratedTime) * 1000 - 500
    // digitally-signed struct: version, signature type, timestamp, entry type precert,
    // issuer key hash, TBS (24-bit length), no extensions.
    var signed: [UInt8] = [0, 0] + withUnsafeBytes(of: timestamp.bigEndian, Array.init) + [0, 1]
    signed += Array(SHA256.hash(data: caKey.publicKey.derRepresentation))
    let tbs = Array(precert.tbsCertificateBytes)
    signed +=
      [UInt8(tbs.count >> 16 & 0xFF), UInt8(tbs.count >> 8 & 0xFF), UInt8(tbs.count & 0xFF)] + tbs
      + [0, 0]
    let sig = Array(try ctKey.signature(for: SHA256.hash(data: signed)).derRepresentation)
    var sct: [UInt8] = [0] + Array(SHA256.hash(data: ctKey.publicKey.derRepresentation))
    sct += withUnsafeBytes(of: timestamp.bigEndian, Array.init) + [0, 0, 4, 3]
    sct += [UInt8(sig.count >> 8), UInt8(sig.count & 0xFF)] + sig
    let entry = [UInt8(sct.count >> 8), UInt8(sct.count & 0xFF)] + sct
    let list = [UInt8(entry.count >> 8), UInt8(entry.count & 0xFF)] + entry
    try extensions.append(
      Certificate.Extension(
        oid: [1, 3, 6, 1, 4, 1, 11129, 2, 4, 2], critical: false,
        value: ArraySlice(Self.der(ASN1OctetString(contentBytes: ArraySlice(list))))))
    return try make(extensions)
  }

  // MARK: Trusted root (Sigstore trusted_root.json, protobuf-specs TrustedRoot)

  func trustedRootJSON() throws -> Data {
    let since = ["start": "2000-01-01T00:00:00Z"]
    func key(_ k: P256.Signing.PublicKey) -> [String: Any] {
      [
        "rawBytes": k.derRepresentation.base64EncodedString(),
        "keyDetails": "PKIX_ECDSA_P256_SHA_256", "validFor": since,
      ]
    }
    return try Self.json([
      "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
      "tlogs": [
        [
          "baseUrl": "https://\(logName)", "hashAlgorithm": "SHA2_256",
          "publicKey": key(logKey.publicKey),
          "logId": ["keyId": logID.base64EncodedString()],
        ]
      ],
      "certificateAuthorities": [
        [
          "subject": ["organization": "tailguard-test", "commonName": "test-fulcio"],
          "uri": "https://fulcio.example.test",
          "certChain": [
            "certificates": [["rawBytes": try Self.der(caCertificate()).base64EncodedString()]]
          ],
          "validFor": since,
        ]
      ],
      "ctlogs": [
        [
          "baseUrl": "https://ct.example.test", "hashAlgorithm": "SHA2_256",
          "publicKey": key(ctKey.publicKey),
          "logId": [
            "keyId": Data(SHA256.hash(data: ctKey.publicKey.derRepresentation))
              .base64EncodedString()
          ],
        ]
      ],
      "timestampAuthorities": [],
    ])
  }

  func trustedRoot() throws -> TrustedRoot { try TrustedRoot(parsing: trustedRootJSON()) }

  var policy: CertificateIdentityPolicy {
    CertificateIdentityPolicy(identity: .exact(identity), issuer: .exact(issuer))
  }

  // MARK: cosign `.sig` manifests (tag `sha256-<hex>.sig`)

  /// cosign's simple-signing payload for an image.
  static func simpleSigning(reference: String, digest: String) throws -> Data {
    try json([
      "critical": [
        "identity": ["docker-reference": reference],
        "image": ["docker-manifest-digest": digest],
        "type": "cosign container image signature",
      ],
      "optional": NSNull(),
    ])
  }

  /// How a signature layer is made (and spoiled).
  struct Signing {
    /// Keyless (certificate annotation) or key-based (the key's PEM in the log body only).
    var keyless = true
    var certificate: Certificate?
    /// Without the `dev.sigstore.cosign/bundle` annotation: no log entry.
    var logEntry = true
    /// The payload blob served differs from the signed one by one byte.
    var tamperPayload = false
  }

  /// One simple-signing layer: its descriptor (with annotations) and the payload blob.
  func signatureLayer(payload: Data, _ how: Signing = Signing()) throws -> (
    descriptor: [String: Any], blob: Data
  ) {
    let signature = try leafKey.signature(for: SHA256.hash(data: payload)).derRepresentation
    let served = how.tamperPayload ? payload + Data(" ".utf8) : payload
    let verifierPEM =
      how.keyless
      ? try Self.pem(how.certificate ?? leafCertificate())
      : leafKey.publicKey.pemRepresentation + "\n"
    var annotations = ["dev.cosignproject.cosign/signature": signature.base64EncodedString()]
    if how.keyless {
      annotations["dev.sigstore.cosign/certificate"] = verifierPEM
      annotations["dev.sigstore.cosign/chain"] = try Self.pem(caCertificate())
    }
    if how.logEntry {
      let body = try Self.json([
        "apiVersion": "0.0.1", "kind": "hashedrekord",
        "spec": [
          "data": [
            "hash": ["algorithm": "sha256", "value": Self.hex(Data(SHA256.hash(data: payload)))]
          ],
          "signature": [
            "content": signature.base64EncodedString(),
            "publicKey": ["content": Data(verifierPEM.utf8).base64EncodedString()],
          ],
        ],
      ])
      annotations["dev.sigstore.cosign/bundle"] = try legacyBundle(body: body, logIndex: 77)
    }
    return (
      [
        "mediaType": ImageSignatureVerifier.simpleSigningMediaType,
        "digest": Self.sha256(served), "size": served.count, "annotations": annotations,
      ], served
    )
  }

  /// cosign's `dev.sigstore.cosign/bundle` annotation: the Rekor entry with its signed entry
  /// timestamp (the log key's signature over the canonical JSON of body, time, log ID, index).
  func legacyBundle(body: Data, logIndex: Int64) throws -> String {
    let payload =
      "{\"body\":\"\(body.base64EncodedString())\",\"integratedTime\":\(integratedTime),\"logID\":\"\(Self.hex(logID))\",\"logIndex\":\(logIndex)}"
    let set = try logKey.signature(for: SHA256.hash(data: Data(payload.utf8))).derRepresentation
    return String(
      decoding: try Self.json([
        "SignedEntryTimestamp": set.base64EncodedString(),
        "Payload": [
          "body": body.base64EncodedString(), "integratedTime": integratedTime,
          "logIndex": logIndex, "logID": Self.hex(logID),
        ],
      ]), as: UTF8.self)
  }

  static let emptyConfig = Data("{}".utf8)

  /// The `.sig` manifest holding `layers` (config: cosign's empty JSON object).
  static func signatureManifest(layers: [[String: Any]]) throws -> Data {
    try json([
      "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "config": [
        "mediaType": "application/vnd.oci.image.config.v1+json",
        "digest": sha256(emptyConfig), "size": emptyConfig.count,
      ],
      "layers": layers,
    ])
  }

  // MARK: Sigstore bundles (referrers)

  /// A v0.3 bundle holding a DSSE envelope over an in-toto statement, logged as a dsse 0.0.1
  /// entry at index 2 of a 5-entry tree with inclusion proof, signed checkpoint and SET. With
  /// `intoto`, the shape cosign's attestations had: a v0.2 bundle (certificate chain) logged as an
  /// intoto 0.0.2 entry.
  func dsseBundle(statement: Data, intoto: Bool = false) throws -> Data {
    let payloadType = "application/vnd.in-toto+json"
    let pae =
      Data(
        "DSSEv1 \(payloadType.utf8.count) \(payloadType) \(statement.count) ".utf8) + statement
    let sig = try leafKey.signature(for: SHA256.hash(data: pae)).derRepresentation
    let leaf = try leafCertificate()
    let certPEM = try Self.pem(leaf)
    let envelope: [String: Any] = [
      "payloadType": payloadType, "payload": statement.base64EncodedString(),
      "signatures": [["keyid": "", "sig": sig.base64EncodedString()]],
    ]
    let uploaded = try Self.json(envelope)
    let body =
      intoto
      ? try RekorTestBody.intoto(
        payloadType: payloadType, payload: statement, uploadedEnvelope: uploaded, signature: sig,
        verifierPEM: certPEM)
      : try RekorTestBody.dsse(
        payload: statement, uploadedEnvelope: uploaded, signature: sig, verifierPEM: certPEM)
    var leaves = (0..<5).map { Data("other entry \($0)".utf8) }
    let index = 2
    leaves[index] = body
    let rootHash = Self.root(leaves[...])
    let proof = Self.path(index, leaves[...])
    let note = "\(logName) - 7\n\(leaves.count)\n\(rootHash.base64EncodedString())\n"
    let noteSig = try logKey.signature(for: SHA256.hash(data: Data(note.utf8))).derRepresentation
    let checkpoint =
      note + "\n\u{2014} \(logName) \((logID.prefix(4) + noteSig).base64EncodedString())\n"
    let logIndex: Int64 = 500 + Int64(index)
    let setPayload =
      "{\"body\":\"\(body.base64EncodedString())\",\"integratedTime\":\(integratedTime),\"logID\":\"\(Self.hex(logID))\",\"logIndex\":\(logIndex)}"
    let set = try logKey.signature(for: SHA256.hash(data: Data(setPayload.utf8))).derRepresentation
    let leafDER = try Self.der(leaf).base64EncodedString()
    return try Self.json([
      "mediaType": intoto
        ? "application/vnd.dev.sigstore.bundle+json;version=0.2"
        : "application/vnd.dev.sigstore.bundle.v0.3+json",
      "verificationMaterial": [
        intoto ? "x509CertificateChain" : "certificate": intoto
          ? ["certificates": [["rawBytes": leafDER]]] as [String: Any] : ["rawBytes": leafDER],
        "tlogEntries": [
          [
            "logIndex": String(logIndex), "logId": ["keyId": logID.base64EncodedString()],
            "kindVersion": intoto
              ? ["kind": "intoto", "version": "0.0.2"] : ["kind": "dsse", "version": "0.0.1"],
            "integratedTime": String(integratedTime),
            "inclusionPromise": ["signedEntryTimestamp": set.base64EncodedString()],
            "inclusionProof": [
              "logIndex": String(index), "rootHash": rootHash.base64EncodedString(),
              "treeSize": String(leaves.count), "hashes": proof.map { $0.base64EncodedString() },
              "checkpoint": ["envelope": checkpoint],
            ],
            "canonicalizedBody": body.base64EncodedString(),
          ]
        ],
      ],
      "dsseEnvelope": envelope,
    ])
  }

  /// An in-toto v1 statement about `digest`.
  static func statement(
    name: String, digest: String, predicateType: String, predicate: [String: Any]
  ) throws -> Data {
    try json([
      "_type": "https://in-toto.io/Statement/v1",
      "subject": [["name": name, "digest": ["sha256": String(digest.dropFirst("sha256:".count))]]],
      "predicateType": predicateType, "predicate": predicate,
    ])
  }

  // MARK: Merkle tree (RFC 6962 §2.1): `TestMerkleTree` in TailguardTesting.

  static func root(_ leaves: ArraySlice<Data>) -> Data { TestMerkleTree.root(leaves) }
  static func path(_ m: Int, _ leaves: ArraySlice<Data>) -> [Data] {
    TestMerkleTree.path(m, leaves)
  }
}
