import ByteFormats
import Foundation

/// cosign's simple-signing payload: `{critical:{identity:{docker-reference}, image:
/// {docker-manifest-digest}, type}, optional:{…}}`.
public struct SimpleSigningPayload: Sendable, Hashable {
  public var dockerReference: String
  public var manifestDigest: String
  public var type: String
  public var optional: [String: String]

  private struct Document: Decodable {
    struct Critical: Decodable {
      struct Identity: Decodable {
        var dockerReference: String?
        enum CodingKeys: String, CodingKey { case dockerReference = "docker-reference" }
      }
      struct Image: Decodable {
        var manifestDigest: String
        enum CodingKeys: String, CodingKey { case manifestDigest = "docker-manifest-digest" }
      }
      var identity: Identity
      var image: Image
      var type: String?
    }
    var critical: Critical
    /// cosign's annotations; values that are not strings are dropped, as cosign's own map does.
    var optional: [String: JSONValue]?
  }

  public init(parsing data: Data) throws(VerificationFailure) {
    guard data.count <= 1 << 20,
      let document = try? JSONDecoder().decode(Document.self, from: data)
    else {
      throw VerificationFailure(.imageReference, "payload is not a cosign simple-signing document")
    }
    dockerReference = document.critical.identity.dockerReference ?? ""
    manifestDigest = document.critical.image.manifestDigest
    type = document.critical.type ?? ""
    optional = (document.optional ?? [:]).compactMapValues {
      if case .string(let s) = $0 { return s }
      return nil
    }
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
