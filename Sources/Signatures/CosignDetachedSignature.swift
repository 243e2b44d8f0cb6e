import Foundation
import X509

/// cosign's detached signature files: `FILE.sig` (base64 of the DER signature over the file's
/// SHA-256) and optionally `FILE.crt` (PEM certificate, possibly itself base64-encoded). Without a
/// log entry there is no verified signing time, so only the signature and key can be checked;
/// keyless verification needs a bundle.
public struct CosignDetachedSignature: Sendable, Hashable {
  public var signature: Data
  public var certificate: FulcioCertificate?

  public init(signatureFile: Data, certificateFile: Data? = nil) throws(SignatureError) {
    guard signatureFile.count <= 64 * 1024 else {
      throw SignatureError(.inputTooLarge, "signature file too large")
    }
    let text = String(decoding: signatureFile, as: UTF8.self).trimmingCharacters(
      in: .whitespacesAndNewlines)
    if let decoded = ProtoJSON.base64(text), !decoded.isEmpty {
      signature = decoded
    } else {
      signature = signatureFile
    }
    if let certificateFile {
      guard certificateFile.count <= 256 * 1024 else {
        throw SignatureError(.inputTooLarge, "certificate file too large")
      }
      var pemText = String(decoding: certificateFile, as: UTF8.self)
      if !pemText.contains("-----BEGIN"), let decoded = ProtoJSON.base64(pemText) {
        pemText = String(decoding: decoded, as: UTF8.self)
      }
      guard let der = PEM.firstBlockDER(pemText) else {
        throw SignatureError(.malformedCertificate, "no PEM certificate in the certificate file")
      }
      certificate = try FulcioCertificate(der: der)
    } else {
      certificate = nil
    }
  }

  /// Checks the signature over the artifact with `key`, or with the certificate's key.
  public func verifySignature(artifact: Data, key: VerificationKey? = nil)
    throws(VerificationFailure)
  {
    let k: VerificationKey
    if let key {
      k = key
    } else if let cert = certificate,
      let fromCert = try? VerificationKey(cert.certificate.publicKey)
    {
      k = fromCert
    } else {
      throw VerificationFailure(.publicKey, "no key to verify the detached signature with")
    }
    guard let digest = ComputedDigest.compute("SHA2_256", over: artifact) else {
      throw VerificationFailure(.signature, "cannot hash the artifact")
    }
    let valid =
      k.algorithm == .ed25519
      ? k.isValidSignature(signature, over: artifact)
      : k.isValidSignature(signature, digest: digest)
    guard valid else {
      throw VerificationFailure(.signature, "detached signature is invalid for the artifact")
    }
  }

  /// cosign `verify-blob --signature … [--certificate …] --insecure-ignore-tlog`: with no log entry
  /// and no timestamp there is no verified signing time, so a certificate is checked at `time`
  /// (cosign uses the current time, which rejects expired ten-minute Fulcio certificates).
  public func verify(
    artifact: ArtifactSource, signer: SigstoreVerifier.Signer, trustedRoot: TrustedRoot,
    at time: Date = Date()
  ) async throws(VerificationFailure) -> VerifiedSignature {
    let key: VerificationKey
    switch signer {
    case .key(let k):
      key = k
    case .certificate(let policy):
      guard let cert = certificate else {
        throw VerificationFailure(
          .bundleFormat, "a certificate identity needs the signing certificate (--certificate)")
      }
      if time < cert.notValidBefore || time > cert.notValidAfter {
        throw VerificationFailure(
          .certificateValidity,
          "certificate is not valid at \(time) (\(cert.notValidBefore) – \(cert.notValidAfter))")
      }
      _ = try await FulcioChainValidator.validate(
        leaf: cert.certificate, authorities: trustedRoot.certificateAuthorities, at: time)
      try policy.check(cert)
      do {
        key = try VerificationKey(cert.certificate.publicKey)
      } catch {
        throw VerificationFailure(.certificateProfile, "signing key: \(error.message)")
      }
    }
    let digest: ComputedDigest?
    do {
      digest = try artifact.digest("SHA2_256")
    } catch {
      throw VerificationFailure(.artifactDigest, error.description)
    }
    let valid: Bool
    if key.algorithm == .ed25519 {
      do {
        valid = key.isValidSignature(signature, over: try artifact.allBytes())
      } catch {
        throw VerificationFailure(.artifactDigest, error.description)
      }
    } else {
      valid = digest.map { key.isValidSignature(signature, digest: $0) } ?? false
    }
    guard valid else {
      throw VerificationFailure(.signature, "detached signature is invalid for the artifact")
    }
    return VerifiedSignature(
      identities: certificate?.identities ?? [], issuer: certificate?.issuer,
      certificateFields: certificate?.fields ?? [:], verifiedTimes: [], logIndex: nil,
      payloadType: nil,
      payload: nil)
  }
}
