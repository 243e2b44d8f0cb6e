import Crypto
import Foundation

/// A digest of one of the hash functions Sigstore uses, kept as swift-crypto's own digest type
/// (its RSA code dispatches on that type).
enum ComputedDigest: Sendable, Hashable {
  case sha256(SHA256Digest)
  case sha384(SHA384Digest)
  case sha512(SHA512Digest)

  var bytes: Data {
    switch self {
    case .sha256(let d): return Data(d)
    case .sha384(let d): return Data(d)
    case .sha512(let d): return Data(d)
    }
  }

  /// protobuf-specs HashAlgorithm name.
  var protoName: String {
    switch self {
    case .sha256: return "SHA2_256"
    case .sha384: return "SHA2_384"
    case .sha512: return "SHA2_512"
    }
  }

  /// Rekor v1 / in-toto name.
  var shortName: String {
    switch self {
    case .sha256: return "sha256"
    case .sha384: return "sha384"
    case .sha512: return "sha512"
    }
  }

  static func compute(_ algorithmName: String?, over data: Data) -> ComputedDigest? {
    switch algorithmName?.uppercased() {
    case nil, "SHA2_256", "SHA256", "SHA-256": return .sha256(SHA256.hash(data: data))
    case "SHA2_384", "SHA384", "SHA-384": return .sha384(SHA384.hash(data: data))
    case "SHA2_512", "SHA512", "SHA-512": return .sha512(SHA512.hash(data: data))
    default: return nil
    }
  }
}
