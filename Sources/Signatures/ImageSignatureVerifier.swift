import Crypto
import Foundation
import ImageSources
import TailguardModel

/// Verifies cosign signatures and attestations of a container image, found through a
/// ``SignatureArtifactFetcher``:
/// - the tag scheme: `sha256-<hex>.sig` (simple-signing payload layers, signature in the
///   `dev.cosignproject.cosign/signature` annotation, certificate / chain / legacy Rekor bundle
///   annotations) and `sha256-<hex>.att` (DSSE envelope layers);
/// - OCI referrers whose artifact type is a Sigstore bundle (the payload is a DSSE in-toto
///   statement naming the image digest).
/// Every signature found is reported with its own outcome; the image is verified when at least
/// one satisfies the policy, as cosign does.
public struct ImageSignatureVerifier: Sendable {
  public struct Image: Sendable, Hashable {
    /// Repository name as the fetcher knows it (e.g. `registry.example/team/app`).
    public var repository: String
    /// Manifest digest of the image, `sha256:<hex>`.
    public var digest: String
    /// The reference the signature must name in `critical.identity.docker-reference` (defaults to
    /// the repository).
    public var dockerReference: String?
    /// Off when the image's repository is unknown (an OCI layout on disk): only the digest is checked.
    public var checkDockerReference: Bool
    public init(
      repository: String, digest: String, dockerReference: String? = nil,
      checkDockerReference: Bool = true
    ) {
      self.repository = repository
      self.digest = digest
      self.dockerReference = dockerReference
      self.checkDockerReference = checkDockerReference
    }
  }

  /// One signature or attestation found for the image and what became of it.
  public struct Finding: Sendable {
    /// Where it was found, e.g. `tag sha256-….sig layer 0`, `referrer sha256:…`.
    public var source: String
    public var outcome: Result<VerifiedSignature, VerificationFailure>
    /// The in-toto statement, for attestations.
    public var statement: InTotoStatement?
    public var verified: Bool {
      if case .success = outcome { return true }
      return false
    }
  }

  public struct Report: Sendable {
    public var image: Image
    public var findings: [Finding]
    public var verified: Bool { findings.contains(where: \.verified) }
  }

  public static let simpleSigningMediaType = "application/vnd.dev.cosign.simplesigning.v1+json"
  public static let dsseMediaType = "application/vnd.dsse.envelope.v1+json"
  static let signatureAnnotation = "dev.cosignproject.cosign/signature"
  static let certificateAnnotation = "dev.sigstore.cosign/certificate"
  static let chainAnnotation = "dev.sigstore.cosign/chain"
  static let bundleAnnotation = "dev.sigstore.cosign/bundle"
  static let maximumLayers = 64
  /// Predicate type of cosign v3 (bundle format) image signatures.
  public static let cosignSignPredicateType = "https://sigstore.dev/cosign/sign/v1"

  public var trustedRoot: TrustedRoot
  public var fetcher: any SignatureArtifactFetcher

  public init(trustedRoot: TrustedRoot, fetcher: any SignatureArtifactFetcher) {
    self.trustedRoot = trustedRoot
    self.fetcher = fetcher
  }

  /// `sha256:<hex>` → `sha256-<hex>` (cosign's tag prefix).
  static func tagPrefix(_ digest: String) -> String {
    digest.replacingOccurrences(of: ":", with: "-")
  }

  /// `sha256:<hex>` of a manifest.
  public static func digest(of manifest: Data) -> String {
    Digest.sha256(of: manifest).description
  }

  /// Whether `data` hashes to `digest` (`algorithm:hex`; false for a malformed digest).
  /// A verification failure as itself; any other error (a blob that does not parse) as a
  /// bundle-format failure: one signature's failure is a finding, not the end of the check.
  static func failure(_ error: any Error) -> VerificationFailure {
    error as? VerificationFailure ?? VerificationFailure(.bundleFormat, "\(error)")
  }

  static func matches(_ data: Data, digest: String) -> Bool {
    (try? Digest(parsing: digest))?.matches(data) ?? false
  }

  // MARK: Signatures

  public func verifySignatures(
    of image: Image, signer: SigstoreVerifier.Signer, options: SigstoreVerifier.Options = .init()
  ) async throws -> Report {
    var findings: [Finding] = []
    let tag = Self.tagPrefix(image.digest) + ".sig"
    if let manifest = try await fetcher.manifest(repository: image.repository, reference: tag) {
      let layers = try Self.layers(of: manifest.bytes)
      for (i, layer) in layers.enumerated() {
        let source = "tag \(tag) layer \(i + 1)"
        let outcome = await verifySimpleSigningLayer(
          layer, image: image, signer: signer, options: options)
        findings.append(Finding(source: source, outcome: outcome, statement: nil))
      }
    }
    // cosign v3 image signatures are bundles whose statement has the cosign sign predicate; an
    // attestation bundle referring to the image is not a signature of it.
    findings += try await referrerBundles(
      of: image, signer: signer, predicateType: Self.cosignSignPredicateType, options: options)
    return Report(image: image, findings: findings)
  }

  private func verifySimpleSigningLayer(
    _ layer: Layer, image: Image, signer: SigstoreVerifier.Signer, options: SigstoreVerifier.Options
  ) async -> Result<VerifiedSignature, VerificationFailure> {
    do {
      let payload = try await payloadBlob(layer, image: image)
      let bundle = try Self.legacyBundle(
        layer: layer,
        content: { sig in
          .messageSignature(
            .init(
              digestAlgorithm: "SHA2_256", digest: Data(SHA256.hash(data: payload)), signature: sig)
          )
        })
      var opts = options
      opts.requireInclusionProof = false
      let verified = try await SigstoreVerifier(trustedRoot: trustedRoot).verify(
        bundle: bundle, artifact: payload, signer: signer, options: opts)
      try SimpleSigningPayload(parsing: payload).require(image: image)
      return .success(verified)
    } catch let failure as VerificationFailure {
      return .failure(failure)
    } catch {
      return .failure(VerificationFailure(.bundleFormat, "\(error)"))
    }
  }

  // MARK: Attestations

  /// Verifies the attestations of the image (`.att` tag and referrer bundles); when
  /// `predicateType` is given, only statements of that type count as verified.
  public func verifyAttestations(
    of image: Image, signer: SigstoreVerifier.Signer, predicateType: String? = nil,
    options: SigstoreVerifier.Options = .init()
  ) async throws -> Report {
    var findings: [Finding] = []
    let tag = Self.tagPrefix(image.digest) + ".att"
    if let manifest = try await fetcher.manifest(repository: image.repository, reference: tag) {
      for (i, layer) in try Self.layers(of: manifest.bytes).enumerated() {
        var statement: InTotoStatement?
        let outcome: Result<VerifiedSignature, VerificationFailure>
        do {
          let blob = try await payloadBlob(layer, image: image)
          let envelope = try DSSEEnvelope(parsing: blob)
          let bundle = try Self.legacyBundle(
            layer: layer, content: { _ in .dsseEnvelope(envelope) })
          var opts = options
          opts.requireInclusionProof = false
          let verified = try await SigstoreVerifier(trustedRoot: trustedRoot).verify(
            bundle: bundle, artifact: nil, signer: signer, options: opts)
          statement = try Self.statement(envelope, naming: image, predicateType: predicateType)
          outcome = .success(verified)
        } catch {
          outcome = .failure(Self.failure(error))
        }
        findings.append(
          Finding(source: "tag \(tag) layer \(i + 1)", outcome: outcome, statement: statement))
      }
    }
    findings += try await referrerBundles(
      of: image, signer: signer, predicateType: predicateType, options: options
    )
    .filter { $0.statement?.predicateType != Self.cosignSignPredicateType }
    return Report(image: image, findings: findings)
  }

  static func statement(_ envelope: DSSEEnvelope, naming image: Image, predicateType: String?)
    throws(VerificationFailure)
    -> InTotoStatement
  {
    guard envelope.payloadType == InTotoStatement.payloadType else {
      throw VerificationFailure(
        .attestationStatement, "payload type '\(envelope.payloadType.prefix(60))' is not in-toto")
    }
    let statement: InTotoStatement
    do {
      statement = try InTotoStatement(parsing: envelope.payload)
    } catch {
      throw VerificationFailure(.attestationStatement, error.message)
    }
    let hex = image.digest.hasPrefix("sha256:") ? String(image.digest.dropFirst(7)) : image.digest
    guard statement.subjects.contains(where: { $0.digest["sha256"]?.lowercased() == hex }) else {
      throw VerificationFailure(
        .imageReference, "statement has no subject with the image digest \(image.digest)")
    }
    if let predicateType, statement.predicateType != predicateType {
      throw VerificationFailure(
        .attestationStatement,
        "predicate type '\(statement.predicateType)' is not '\(predicateType)'")
    }
    return statement
  }

  // MARK: Referrers with Sigstore bundles

  private func referrerBundles(
    of image: Image, signer: SigstoreVerifier.Signer, predicateType: String?,
    options: SigstoreVerifier.Options
  ) async throws -> [Finding] {
    var indexBytes = try await fetcher.referrers(repository: image.repository, digest: image.digest)
    if indexBytes == nil {
      indexBytes = try await fetcher.manifest(
        repository: image.repository, reference: Self.tagPrefix(image.digest))?.bytes
    }
    guard let indexBytes,
      let manifests = (try? OCIDocument(parsing: indexBytes, what: "referrers index"))?.manifests
    else { return [] }
    var findings: [Finding] = []
    for m in manifests.prefix(Self.maximumLayers) {
      guard let type = m.artifactType, type.hasPrefix("application/vnd.dev.sigstore.bundle")
      else { continue }
      let digest = m.digest.description
      var statement: InTotoStatement?
      let outcome: Result<VerifiedSignature, VerificationFailure>
      do {
        guard
          let manifest = try await fetcher.manifest(
            repository: image.repository, reference: digest),
          Self.matches(manifest.bytes, digest: digest),
          let layer = try Self.layers(of: manifest.bytes).first
        else { throw VerificationFailure(.bundleFormat, "referrer \(digest) has no bundle layer") }
        let blob = try await fetcher.blob(repository: image.repository, digest: layer.digest)
        guard Self.matches(blob, digest: layer.digest) else {
          throw VerificationFailure(.bundleFormat, "bundle blob does not match its digest")
        }
        let bundle = try SigstoreBundle(parsing: blob)
        let verified = try await SigstoreVerifier(trustedRoot: trustedRoot).verify(
          bundle: bundle, artifact: nil, signer: signer, options: options)
        guard case .dsseEnvelope(let envelope) = bundle.content else {
          throw VerificationFailure(
            .attestationStatement, "referrer bundle holds no DSSE statement")
        }
        statement = try Self.statement(envelope, naming: image, predicateType: predicateType)
        outcome = .success(verified)
      } catch {
        outcome = .failure(Self.failure(error))
      }
      findings.append(Finding(source: "referrer \(digest)", outcome: outcome, statement: statement))
    }
    return findings
  }

  // MARK: Manifest plumbing

  struct Layer: Sendable {
    var mediaType: String
    var digest: String
    var annotations: [String: String]
  }

  static func layers(of manifest: Data) throws(SignatureError) -> [Layer] {
    guard manifest.count <= 4 << 20,
      let layers = (try? OCIDocument(parsing: manifest, what: "signature manifest"))?.layers
    else {
      throw SignatureError(.malformedBundle, "signature manifest is not an OCI image manifest")
    }
    return layers.prefix(maximumLayers).map {
      Layer(
        mediaType: $0.mediaType ?? "", digest: $0.digest.description,
        annotations: $0.annotations ?? [:])
    }
  }

  private func payloadBlob(_ layer: Layer, image: Image) async throws -> Data {
    let blob = try await fetcher.blob(repository: image.repository, digest: layer.digest)
    guard Self.matches(blob, digest: layer.digest) else {
      throw VerificationFailure(
        .signature, "signed payload does not match its layer digest \(layer.digest)")
    }
    return blob
  }

  /// Turns a cosign signature layer (annotations) into a v0.1-shaped bundle for the verifier.
  static func legacyBundle(layer: Layer, content: (Data) -> SigstoreBundle.Content) throws
    -> SigstoreBundle
  {
    let signature = layer.annotations[signatureAnnotation].flatMap(ProtoJSON.base64) ?? Data()
    var material = SigstoreBundle.VerificationMaterial.publicKeyHint("")
    if let pem = layer.annotations[certificateAnnotation], let leaf = PEM.firstBlockDER(pem) {
      let chain =
        layer.annotations[chainAnnotation].map { PEM.blocksDER($0, limit: 8).map(\.der) } ?? []
      material = .certificateChain([leaf] + chain)
    }
    var entries: [TransparencyLogEntry] = []
    if let text = layer.annotations[bundleAnnotation] {
      entries.append(try RekorLegacyBundle(parsing: Data(text.utf8)).entry)
    }
    return SigstoreBundle(
      mediaType: "application/vnd.dev.sigstore.bundle+json;version=0.1", material: material,
      tlogEntries: entries,
      rfc3161Timestamps: [], content: content(signature))
  }
}
