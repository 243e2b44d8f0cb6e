import Crypto
import Foundation
import TailguardModel
import X509

/// Verifies Sigstore bundles offline against a trusted root, the way sigstore-python / cosign do:
/// establish verified signing times (log integration time, RFC 3161 timestamps), validate the
/// Fulcio chain at those times, match the identity policy, verify the transparency-log entry,
/// the signature over the artifact (or DSSE PAE), and the consistency of the log entry body.
public struct SigstoreVerifier: Sendable {
  /// Who must have signed.
  public enum Signer: Sendable, Hashable {
    /// Keyless: a Fulcio certificate chaining to the trusted root and matching the policy.
    case certificate(CertificateIdentityPolicy)
    /// A key the user trusts (`--key`).
    case key(VerificationKey)
  }

  public struct Options: Sendable, Hashable {
    /// cosign's `--insecure-ignore-tlog`: accept a key-based bundle without a log entry.
    public var ignoreTransparencyLog: Bool
    /// Timestamps beyond this count make the bundle invalid (sigstore-go / sigstore-python: 32).
    public var maximumTimestamps: Int
    /// Bundles must carry an inclusion proof with a checkpoint. cosign's legacy image-signature
    /// annotations carry only the signed entry timestamp; they are verified with this off.
    public var requireInclusionProof: Bool
    /// Keyless signatures need an embedded SCT from a CT log of the trusted root (cosign's
    /// `--insecure-ignore-sct` turns this off).
    public var requireSignedCertificateTimestamp: Bool
    public init(
      ignoreTransparencyLog: Bool = false, maximumTimestamps: Int = 32,
      requireInclusionProof: Bool = true,
      requireSignedCertificateTimestamp: Bool = true
    ) {
      self.ignoreTransparencyLog = ignoreTransparencyLog
      self.maximumTimestamps = maximumTimestamps
      self.requireInclusionProof = requireInclusionProof
      self.requireSignedCertificateTimestamp = requireSignedCertificateTimestamp
    }
  }

  public var trustedRoot: TrustedRoot

  public init(trustedRoot: TrustedRoot) {
    self.trustedRoot = trustedRoot
  }

  /// Verifies `bundle` for `artifact` (the signed file's bytes; nil to verify a DSSE envelope
  /// on its own, as `verify-attestation` does).
  public func verify(
    bundle: SigstoreBundle, artifact: Data?, signer: Signer, options: Options = Options()
  ) async throws(VerificationFailure) -> VerifiedSignature {
    try await verify(
      bundle: bundle, source: artifact.map { .bytes($0) }, signer: signer, options: options)
  }

  /// Verifies `bundle` for the artifact at `source`; a file is hashed in chunks, never loaded whole
  /// (except for pure Ed25519 signatures). An unreadable file is a ``VerificationCheck/artifactDigest``
  /// failure whose message says so; callers that need exit code 2 check readability first.
  public func verify(
    bundle: SigstoreBundle, source artifact: ArtifactSource?, signer: Signer,
    options: Options = Options()
  ) async throws(VerificationFailure) -> VerifiedSignature {
    // Bundle invariants (protobuf-specs client rules, as sigstore-python applies them).
    guard let version = bundle.version else {
      throw VerificationFailure(
        .bundleFormat, "unsupported bundle media type '\(bundle.mediaType.prefix(80))'")
    }
    var leaf: FulcioCertificate?
    if case .certificate = signer {
      let der: Data
      switch (version, bundle.material) {
      case (.v03, .certificate(let d)): der = d
      case (.v03, _):
        throw VerificationFailure(.bundleFormat, "v0.3 bundle must carry a single certificate")
      case (_, .certificateChain(let chain)):
        guard let first = chain.first else {
          throw VerificationFailure(.bundleFormat, "bundle certificate chain is empty")
        }
        der = first
      case (_, .certificate):
        throw VerificationFailure(
          .bundleFormat, "v\(version.rawValue) bundle must carry an x509CertificateChain")
      default: throw VerificationFailure(.bundleFormat, "bundle has no signing certificate")
      }
      do {
        leaf = try FulcioCertificate(der: der)
      } catch {
        throw VerificationFailure(.bundleFormat, "signing certificate: \(error.message)")
      }
      if let leaf, let bc = try? leaf.certificate.extensions.basicConstraints,
        case .isCertificateAuthority = bc
      {
        throw VerificationFailure(
          .bundleFormat, "the certificate in the leaf position is a CA certificate")
      }
    }

    let requireLog =
      !(options.ignoreTransparencyLog
      && { if case .key = signer { return true } else { return false } }())
    let entry: TransparencyLogEntry?
    if bundle.tlogEntries.isEmpty {
      if requireLog {
        throw VerificationFailure(.tlogEntryPresent, "bundle has no transparency-log entry")
      }
      entry = nil
    } else {
      guard bundle.tlogEntries.count == 1 else {
        throw VerificationFailure(
          .bundleFormat,
          "expected exactly one transparency-log entry, found \(bundle.tlogEntries.count)")
      }
      entry = bundle.tlogEntries[0]
    }
    if let entry {
      guard Self.rekorV1EntryTypes.union(Self.rekorV2EntryTypes).contains(entry.type) else {
        throw VerificationFailure(
          .bundleFormat, "unsupported log entry type \(entry.type.prefix(40))")
      }
      guard
        entry.inclusionProof?.checkpoint != nil
          || (!options.requireInclusionProof && entry.inclusionPromise != nil)
      else {
        throw VerificationFailure(
          .bundleFormat, "log entry must carry an inclusion proof with a checkpoint")
      }
      if version == .v01 {
        guard entry.inclusionPromise != nil else {
          throw VerificationFailure(.bundleFormat, "v0.1 bundle must carry an inclusion promise")
        }
      } else if entry.inclusionPromise == nil && bundle.rfc3161Timestamps.isEmpty {
        throw VerificationFailure(
          .bundleFormat, "bundle must carry an inclusion promise or signed timestamps")
      }
    }

    // (0) Verified signing times.
    var times: [VerifiedSignature.VerifiedTime] = []
    var diagnostics: [Diagnostic] = []
    if bundle.intermediateCertificatesDER.count > 0 {
      diagnostics.append(
        Diagnostic(
          .info, code: "sigstore.bundle-chain-ignored",
          "\(bundle.intermediateCertificatesDER.count) certificate(s) after the leaf were ignored; chains are built from the trusted root",
          source: "signatures"))
    }
    if !bundle.rfc3161Timestamps.isEmpty {
      guard bundle.rfc3161Timestamps.count <= options.maximumTimestamps else {
        throw VerificationFailure(
          .signedTimestamp,
          "too many signed timestamps: \(bundle.rfc3161Timestamps.count) > \(options.maximumTimestamps)"
        )
      }
      guard Set(bundle.rfc3161Timestamps).count == bundle.rfc3161Timestamps.count else {
        throw VerificationFailure(.signedTimestamp, "duplicate signed timestamp")
      }
      guard !trustedRoot.timestampAuthorities.isEmpty else {
        throw VerificationFailure(
          .signedTimestamp,
          "bundle has signed timestamps but the trusted root has no timestamp authority")
      }
      for (i, raw) in bundle.rfc3161Timestamps.enumerated() {
        let stamp: RFC3161Timestamp
        do {
          stamp = try RFC3161Timestamp(parsing: raw)
        } catch {
          diagnostics.append(
            Diagnostic(
              .warning, code: "sigstore.timestamp-unreadable", "timestamp \(i): \(error.message)",
              source: "signatures"))
          continue
        }
        if let date = await stamp.verify(
          covering: bundle.signatureBytes, authorities: trustedRoot.timestampAuthorities)
        {
          times.append(.init(source: .timestampAuthority, date: date))
        } else {
          diagnostics.append(
            Diagnostic(
              .warning, code: "sigstore.timestamp-unverified",
              "timestamp \(i) (\(stamp.genTime)) does not verify against a timestamp authority of the trusted root; not counted",
              source: "signatures"))
        }
      }
    }
    if let entry, let integrated = entry.integratedDate, entry.inclusionPromise != nil {
      // Every Rekor v1 entry has an integrated time signed by its promise; Rekor v2 ones have none.
      guard Self.rekorV1EntryTypes.contains(entry.type) else {
        throw VerificationFailure(
          .bundleFormat,
          "integrated time is only defined for Rekor v1 entries, not \(entry.type.prefix(40))")
      }
      times.append(.init(source: .transparencyLog, date: integrated))
    }

    // (1)–(3) Certificate chain, profile and identity.
    let key: VerificationKey
    switch signer {
    case .certificate(let policy):
      guard let leaf else {
        throw VerificationFailure(.bundleFormat, "bundle has no signing certificate")
      }
      guard !times.isEmpty else {
        throw VerificationFailure(
          .verifiedTime, "no verified source of signing time (log entry promise or timestamp)")
      }
      // (6) Signing times inside the certificate validity (checked before the chain so an
      // expired certificate is reported as such, not as an unbuildable chain).
      for t in times where t.date < leaf.notValidBefore || t.date > leaf.notValidAfter {
        throw VerificationFailure(
          .certificateValidity,
          "signing time \(t.date) (\(t.source.rawValue)) is outside the certificate validity \(leaf.notValidBefore) – \(leaf.notValidAfter)"
        )
      }
      var chain: [Certificate] = []
      for t in times {
        chain = try await FulcioChainValidator.validate(
          leaf: leaf.certificate, authorities: trustedRoot.certificateAuthorities, at: t.date)
      }
      // (2) The certificate was logged in certificate transparency (embedded SCT).
      if options.requireSignedCertificateTimestamp {
        guard chain.count >= 2 else {
          throw VerificationFailure(
            .certificateProfile, "no issuer certificate to check the SCT against")
        }
        try SignedCertificateTimestamp.verifyEmbedded(
          leaf: leaf.certificate, issuer: chain[1], ctlogs: trustedRoot.ctlogs)
      }
      guard let ku = try? leaf.certificate.extensions.keyUsage, ku.digitalSignature else {
        throw VerificationFailure(
          .certificateProfile, "key usage does not include digital signature")
      }
      guard let eku = try? leaf.certificate.extensions.extendedKeyUsage, eku.contains(.codeSigning)
      else {
        throw VerificationFailure(
          .certificateProfile, "extended key usage does not include code signing")
      }
      try policy.check(leaf)
      do {
        key = try VerificationKey(leaf.certificate.publicKey)
      } catch {
        throw VerificationFailure(.certificateProfile, "signing key: \(error.message)")
      }
    case .key(let k):
      key = k
      if let hint = bundle.leafCertificateDER, let cert = try? Certificate(derEncoded: Array(hint)),
        (try? VerificationKey(cert.publicKey))?.spkiDER != k.spkiDER
      {
        throw VerificationFailure(
          .publicKey, "the bundle's certificate does not hold the given key")
      }
    }

    // (4)–(5) Transparency log.
    if let entry {
      try TransparencyLogVerifier.verify(
        entry, trustedRoot: trustedRoot, signingTimes: times.map(\.date),
        requireInclusionProof: options.requireInclusionProof)
    }

    // (7) Signature, (8) log body consistency.
    let verifierDER = leaf?.der ?? bundle.leafCertificateDER ?? key.spkiDER
    var result = VerifiedSignature(
      identities: leaf?.identities ?? [], issuer: leaf?.issuer,
      certificateFields: leaf?.fields ?? [:],
      verifiedTimes: times, logIndex: entry?.logIndex, payloadType: nil, payload: nil,
      diagnostics: diagnostics)
    switch bundle.content {
    case .messageSignature(let message):
      guard let artifact else {
        throw VerificationFailure(
          .artifactDigest, "a message-signature bundle needs the artifact to verify")
      }
      let computed: ComputedDigest?
      do {
        computed = try artifact.digest(message.digestAlgorithm)
      } catch {
        throw VerificationFailure(.artifactDigest, error.description)
      }
      guard let digest = computed else {
        throw VerificationFailure(
          .bundleFormat, "unsupported digest algorithm \(message.digestAlgorithm ?? "")")
      }
      if let recorded = message.digest, recorded != digest.bytes {
        throw VerificationFailure(
          .artifactDigest,
          "artifact \(digest.shortName) digest \(digest.bytes.hexString) differs from the bundle's \(recorded.hexString)"
        )
      }
      let valid =
        key.algorithm == .ed25519
        ? key.isValidSignature(message.signature, over: try Self.bytes(of: artifact))
        : key.isValidSignature(message.signature, digest: digest)
      guard valid else {
        throw VerificationFailure(.signature, "signature is invalid for the artifact")
      }
      if let entry {
        guard entry.kind == "hashedrekord" else {
          throw VerificationFailure(
            .tlogBodyConsistency,
            "expected a hashedrekord log entry, found \(entry.kind.prefix(30))")
        }
        let body = try Self.body(of: entry)
        guard case .hashedRekord(_, let bodyDigest, let bodySig) = body.kind,
          bodyDigest == digest.bytes,
          bodySig == message.signature, body.verifierDER == [verifierDER]
        else {
          throw VerificationFailure(
            .tlogBodyConsistency,
            "transparency log entry is inconsistent with the signature, key or artifact")
        }
      }
    case .dsseEnvelope(let envelope):
      guard envelope.signatures.count >= 1 else {
        throw VerificationFailure(.signature, "DSSE envelope has no signature")
      }
      let pae = envelope.preAuthenticationEncoding
      // ECDSA keys sign the PAE with their curve's hash (sigstore-go); sigstore-python always uses
      // SHA-256. Both clients' envelopes are accepted.
      let paeSHA256 = ComputedDigest.sha256(SHA256.hash(data: pae))
      for s in envelope.signatures
      where !key.isValidSignature(s.signature, over: pae)
        && !(key.algorithm != .ed25519 && key.isValidSignature(s.signature, digest: paeSHA256))
      {
        throw VerificationFailure(.signature, "DSSE signature is invalid for the envelope")
      }
      if let entry {
        let body = try Self.body(of: entry)
        switch (entry.kind, entry.kindVersion, body.kind) {
        case ("hashedrekord", "0.0.2", .hashedRekord(_, let d, let sig)):
          guard envelope.signatures.count == 1, d == key.naturalHash.digest(pae).bytes,
            sig == envelope.signatures[0].signature, body.verifierDER == [verifierDER]
          else {
            throw VerificationFailure(
              .tlogBodyConsistency, "transparency log entry is inconsistent with the DSSE envelope")
          }
        case ("dsse", _, .dsse(let algorithm, let payloadHash, let sigs)),
          ("intoto", _, .dsse(let algorithm, let payloadHash, let sigs)):
          func inconsistent(_ what: String) -> VerificationFailure {
            VerificationFailure(
              .tlogBodyConsistency,
              "\(entry.type) log entry \(what) differs from the DSSE envelope's")
          }
          guard ["sha256", "SHA2_256"].contains(algorithm),
            payloadHash == Data(SHA256.hash(data: envelope.payload))
          else { throw inconsistent("payload hash") }
          guard body.payloadType == nil || body.payloadType == envelope.payloadType else {
            throw inconsistent("payload type")
          }
          guard sigs == envelope.signatures.map(\.signature) else {
            throw inconsistent("signatures")
          }
          guard body.verifierDER.allSatisfy({ $0 == verifierDER }) else {
            throw inconsistent("verifier (certificate or key)")
          }
        default:
          throw VerificationFailure(
            .tlogBodyConsistency,
            "unsupported DSSE log entry type \(entry.kind.prefix(30))/\(entry.kindVersion.prefix(20))"
          )
        }
      }
      if let artifact {
        let sha256: ComputedDigest?
        do {
          sha256 = try artifact.digest("SHA2_256")
        } catch {
          throw VerificationFailure(.artifactDigest, error.description)
        }
        try InTotoStatement.requireSubject(in: envelope, matchingSHA256: sha256?.bytes ?? Data())
      }
      result.payloadType = envelope.payloadType
      result.payload = envelope.payload
    }
    return result
  }

  /// Log entry types whose bodies are checked against the bundle. Rekor v1 entries have a signed
  /// integrated time (the inclusion promise signs it); Rekor v2 entries have none.
  static let rekorV1EntryTypes: Set<String> = ["hashedrekord/0.0.1", "dsse/0.0.1", "intoto/0.0.2"]
  static let rekorV2EntryTypes: Set<String> = ["hashedrekord/0.0.2", "dsse/0.0.2"]

  /// The entry's canonicalized body, which must be of the kind and version the bundle declares:
  /// the declaration is unsigned, the body is what the log signed.
  private static func body(of entry: TransparencyLogEntry) throws(VerificationFailure)
    -> RekorEntryBody
  {
    let body = try RekorEntryBody(parsing: entry.canonicalizedBody)
    guard "\(body.entryKind)/\(body.apiVersion)" == entry.type else {
      throw VerificationFailure(
        .tlogBodyConsistency,
        "log entry body is \(body.entryKind.prefix(30))/\(body.apiVersion.prefix(20)) but the bundle declares \(entry.type.prefix(40))"
      )
    }
    return body
  }

  private static func bytes(of artifact: ArtifactSource) throws(VerificationFailure) -> Data {
    do {
      return try artifact.allBytes()
    } catch {
      throw VerificationFailure(.artifactDigest, error.description)
    }
  }
}
