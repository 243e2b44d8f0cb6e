import Foundation

/// A DSSE envelope (in-toto attestations). Signatures cover the pre-authentication encoding
/// (PAE), never the raw payload, so a payload type cannot be swapped under a valid signature.
public struct DSSEEnvelope: Sendable, Hashable {
  public struct Signature: Sendable, Hashable {
    public var keyID: String
    public var signature: Data
    public init(keyID: String, signature: Data) {
      self.keyID = keyID
      self.signature = signature
    }
  }

  public var payloadType: String
  public var payload: Data
  public var signatures: [Signature]

  public init(payloadType: String, payload: Data, signatures: [Signature]) {
    self.payloadType = payloadType
    self.payload = payload
    self.signatures = signatures
  }

  /// `DSSEv1 SP len(type) SP type SP len(body) SP body` (lengths in ASCII decimal bytes).
  public var preAuthenticationEncoding: Data {
    var out = Data("DSSEv1 \(payloadType.utf8.count) ".utf8)
    out.append(Data(payloadType.utf8))
    out.append(Data(" \(payload.count) ".utf8))
    out.append(payload)
    return out
  }

  /// Parses a standalone DSSE envelope JSON (`{payloadType, payload, signatures:[{keyid, sig}]}`).
  public init(parsing data: Data, path: String? = nil) throws(SignatureError) {
    struct Raw: Decodable {
      struct Sig: Decodable {
        var keyid: String?
        var sig: ProtoBytes
      }
      var payloadType: String
      var payload: ProtoBytes
      var signatures: [Sig]
    }
    let raw = try ProtoJSON.decode(Raw.self, from: data, code: .malformedBundle, path: path)
    guard raw.signatures.count <= SigstoreBundle.maximumDSSESignatures else {
      throw SignatureError(.malformedBundle, "too many DSSE signatures", path: path)
    }
    self.init(
      payloadType: raw.payloadType, payload: raw.payload.data,
      signatures: raw.signatures.map { Signature(keyID: $0.keyid ?? "", signature: $0.sig.data) })
  }
}
