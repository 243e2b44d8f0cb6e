import Crypto
import Foundation
import SwiftASN1
import X509
import _CryptoExtras

/// A public key that can check Sigstore signatures: the algorithms Sigstore allows (ECDSA P-256,
/// P-384, P-521, Ed25519, RSA PKCS#1 v1.5 and PSS), all through swift-crypto.
public struct VerificationKey: Sendable, Hashable {
  public enum Algorithm: String, Sendable, Hashable {
    case ecdsaP256 = "ecdsa-p256"
    case ecdsaP384 = "ecdsa-p384"
    case ecdsaP521 = "ecdsa-p521"
    case ed25519
    case rsa
  }

  /// The key as a certificate public key (keeps the SPKI DER for comparisons).
  public let publicKey: Certificate.PublicKey
  public let algorithm: Algorithm

  public init(_ publicKey: Certificate.PublicKey) throws(SignatureError) {
    self.publicKey = publicKey
    if P256.Signing.PublicKey(publicKey) != nil {
      algorithm = .ecdsaP256
    } else if P384.Signing.PublicKey(publicKey) != nil {
      algorithm = .ecdsaP384
    } else if P521.Signing.PublicKey(publicKey) != nil {
      algorithm = .ecdsaP521
    } else if Curve25519.Signing.PublicKey(publicKey) != nil {
      algorithm = .ed25519
    } else if _RSA.Signing.PublicKey(publicKey) != nil {
      algorithm = .rsa
    } else {
      throw SignatureError(.unsupported, "unsupported public key type")
    }
  }

  /// From SubjectPublicKeyInfo DER.
  public init(spkiDER: Data) throws(SignatureError) {
    let key: Certificate.PublicKey
    do {
      key = try Certificate.PublicKey(derEncoded: Array(spkiDER))
    } catch {
      throw SignatureError(.malformedKey, "not a SubjectPublicKeyInfo: \(error)")
    }
    try self.init(key)
  }

  /// From a PEM `PUBLIC KEY` (or a `CERTIFICATE`, whose key is taken), as `cosign.pub` files are.
  public init(pem: String) throws(SignatureError) {
    do {
      let document = try PEMDocument(pemString: pem)
      switch document.discriminator {
      case "PUBLIC KEY":
        try self.init(spkiDER: Data(document.derBytes))
      case "CERTIFICATE":
        try self.init(try Certificate(derEncoded: document.derBytes).publicKey)
      case "RSA PUBLIC KEY":
        try self.init(Certificate.PublicKey(try _RSA.Signing.PublicKey(pemRepresentation: pem)))
      default:
        throw SignatureError(
          .malformedKey, "PEM block '\(document.discriminator.prefix(40))' is not a public key")
      }
    } catch let error as SignatureError {
      throw error
    } catch {
      throw SignatureError(.malformedKey, "cannot parse PEM public key: \(error)")
    }
  }

  public init(contentsOf path: String) throws(SignatureError) {
    let data = try FileInput.read(path, limit: 1 << 20)
    guard let text = String(data: data, encoding: .utf8) else {
      throw SignatureError(.malformedKey, "not UTF-8 text", path: path)
    }
    do {
      try self.init(pem: text)
    } catch {
      throw SignatureError(error.code, error.message, path: path)
    }
  }

  /// SubjectPublicKeyInfo DER of the key.
  public var spkiDER: Data {
    var serializer = DER.Serializer()
    // Serialization of an already-parsed key cannot fail in practice; an empty result never matches.
    guard (try? serializer.serialize(publicKey)) != nil else { return Data() }
    return Data(serializer.serializedBytes)
  }

  /// SHA-256 of the SPKI DER: Rekor v1 log IDs and cosign key IDs are computed this way.
  public var sha256KeyID: Data { Data(SHA256.hash(data: spkiDER)) }

  /// The hash this key's Sigstore key-details pair it with when it signs a message itself
  /// (DSSE PAE, checkpoints, signed entry timestamps).
  var naturalHash: HashKind {
    switch algorithm {
    case .ecdsaP384: return .sha384
    case .ecdsaP521: return .sha512
    default: return .sha256
    }
  }

  enum HashKind: Sendable {
    case sha256, sha384, sha512
    func digest(_ data: Data) -> ComputedDigest {
      switch self {
      case .sha256: return .sha256(SHA256.hash(data: data))
      case .sha384: return .sha384(SHA384.hash(data: data))
      case .sha512: return .sha512(SHA512.hash(data: data))
      }
    }
  }

  /// Checks `signature` over `message`, hashing with the key's natural hash (Ed25519: pure).
  public func isValidSignature(_ signature: Data, over message: Data) -> Bool {
    if algorithm == .ed25519 {
      guard let key = Curve25519.Signing.PublicKey(publicKey) else { return false }
      return key.isValidSignature(signature, for: message)
    }
    return isValidSignature(signature, digest: naturalHash.digest(message))
  }

  /// Checks `signature` over an already-computed digest (hashedrekord: the artifact digest).
  /// Ed25519 cannot sign a prehashed digest, so it never verifies here.
  func isValidSignature(_ signature: Data, digest: ComputedDigest) -> Bool {
    switch digest {
    case .sha256(let d): return isValidSignature(signature, typedDigest: d)
    case .sha384(let d): return isValidSignature(signature, typedDigest: d)
    case .sha512(let d): return isValidSignature(signature, typedDigest: d)
    }
  }

  private func isValidSignature<D: Crypto.Digest>(_ signature: Data, typedDigest digest: D) -> Bool
  {
    switch algorithm {
    case .ecdsaP256:
      guard let key = P256.Signing.PublicKey(publicKey),
        let sig = try? P256.Signing.ECDSASignature(derRepresentation: signature)
      else { return false }
      return key.isValidSignature(sig, for: digest)
    case .ecdsaP384:
      guard let key = P384.Signing.PublicKey(publicKey),
        let sig = try? P384.Signing.ECDSASignature(derRepresentation: signature)
      else { return false }
      return key.isValidSignature(sig, for: digest)
    case .ecdsaP521:
      guard let key = P521.Signing.PublicKey(publicKey),
        let sig = try? P521.Signing.ECDSASignature(derRepresentation: signature)
      else { return false }
      return key.isValidSignature(sig, for: digest)
    case .rsa:
      guard let key = _RSA.Signing.PublicKey(publicKey) else { return false }
      let sig = _RSA.Signing.RSASignature(rawRepresentation: signature)
      return key.isValidSignature(sig, for: digest, padding: .insecurePKCS1v1_5)
        || key.isValidSignature(sig, for: digest, padding: .PSS)
    case .ed25519:
      return false
    }
  }
}
