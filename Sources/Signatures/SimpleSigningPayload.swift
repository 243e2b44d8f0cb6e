import Foundation

/// cosign's simple-signing payload: `{critical:{identity:{docker-reference}, image:
/// {docker-manifest-digest}, type}, optional:{…}}`.
public struct SimpleSigningPayload: Sendable, Hashable {
  public var dockerReference: String
  public var manifestDigest: String
  public var type: String
  public var optional: [String: String]

  public init(parsing data: Data) throws(VerificationFailure) {
    guard data.count <= 1 << 20,
      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      let critical = object["critical"] as? [String: Any],
      let identity = critical["identity"] as? [String: Any],
      let image = critical["image"] as? [String: Any],
      let digest = image["docker-manifest-digest"] as? String
    else {
      throw VerificationFailure(.imageReference, "payload is not a cosign simple-signing document")
    }
    dockerReference = identity["docker-reference"] as? String ?? ""
    manifestDigest = digest
    type = critical["type"] as? String ?? ""
    optional = (object["optional"] as? [String: Any])?.compactMapValues { $0 as? String } ?? [:]
  }

  func require(image: ImageSignatureVerifier.Image) throws(VerificationFailure) {
    guard manifestDigest == image.digest else {
      throw VerificationFailure(
        .imageReference, "signature is for \(manifestDigest), not \(image.digest)")
    }
    let expected = image.dockerReference ?? image.repository
    guard !image.checkDockerReference || dockerReference == expected else {
      throw VerificationFailure(
        .imageReference, "signature names '\(dockerReference)', not '\(expected)'")
    }
  }
}
