import Crypto
import Foundation

/// The signature over the artifact: a message signature over the artifact's digest (which must
/// equal the digest the bundle records), or every DSSE signature over the envelope's PAE. Sets the
/// state's `messageDigest`.
struct ArtifactSignatureCheck: SigstoreCheck {
  func evaluate(_ state: inout SigstoreVerificationState) async -> SigstoreCheckOutcome {
    let key: VerificationKey
    switch state.requireKey() {
    case .success(let k): key = k
    case .failure(let failure): return .failed(failure)
    }
    switch state.bundle.content {
    case .messageSignature(let message):
      switch Self.message(message, artifact: state.artifact, key: key) {
      case .success(let digest): state.messageDigest = digest
      case .failure(let failure): return .failed(failure)
      }
    case .dsseEnvelope(let envelope):
      guard envelope.signatures.count >= 1 else {
        return .fail(.signature, "DSSE envelope has no signature")
      }
      let pae = envelope.preAuthenticationEncoding
      // ECDSA keys sign the PAE with their curve's hash (sigstore-go); sigstore-python always uses
      // SHA-256. Both clients' envelopes are accepted.
      let paeSHA256 = ComputedDigest.sha256(SHA256.hash(data: pae))
      for s in envelope.signatures
      where !key.isValidSignature(s.signature, over: pae)
        && !(key.algorithm != .ed25519 && key.isValidSignature(s.signature, digest: paeSHA256))
      {
        return .fail(.signature, "DSSE signature is invalid for the envelope")
      }
    }
    return .passed
  }

  /// The artifact's digest when `message` is a valid signature of it.
  static func message(
    _ message: SigstoreBundle.MessageSignature, artifact: ArtifactSource?, key: VerificationKey
  ) -> Result<ComputedDigest, VerificationFailure> {
    guard let artifact else {
      return .failure(
        .init(.artifactDigest, "a message-signature bundle needs the artifact to verify"))
    }
    let computed: ComputedDigest?
    do {
      computed = try artifact.digest(message.digestAlgorithm)
    } catch {
      return .failure(.init(.artifactDigest, error.description))
    }
    guard let digest = computed else {
      return .failure(
        .init(.bundleFormat, "unsupported digest algorithm \(message.digestAlgorithm ?? "")"))
    }
    if let recorded = message.digest, recorded != digest.bytes {
      return .failure(
        .init(
          .artifactDigest,
          "artifact \(digest.shortName) digest \(digest.bytes.hexString) differs from the bundle's \(recorded.hexString)"
        ))
    }
    let valid: Bool
    if key.algorithm == .ed25519 {
      // Pure Ed25519 signs the message itself.
      do {
        valid = key.isValidSignature(message.signature, over: try artifact.allBytes())
      } catch {
        return .failure(.init(.artifactDigest, error.description))
      }
    } else {
      valid = key.isValidSignature(message.signature, digest: digest)
    }
    guard valid else {
      return .failure(.init(.signature, "signature is invalid for the artifact"))
    }
    return .success(digest)
  }
}
