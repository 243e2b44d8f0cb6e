import Crypto
import Foundation

/// Canonical Rekor v1 entry bodies for DSSE envelopes, written as rekor writes them (its
/// `dsse` v0.0.1 and `intoto` v0.0.2 types): the fixtures log these so a verifier's body checks
/// meet the real shapes. Keys are sorted, as in rekor's canonical JSON.
public enum RekorTestBody {
  /// Lower-case hex, as rekor writes hash values.
  public static func hex(_ data: Data) -> String {
    data.map { String(format: "%02x", $0) }.joined()
  }

  static func sha256(_ data: Data) -> [String: String] {
    ["algorithm": "sha256", "value": hex(Data(SHA256.hash(data: data)))]
  }

  /// `dsse` v0.0.1: the payload and envelope hashes, each signature with its verifier (base64 of
  /// PEM).
  public static func dsse(
    payload: Data, uploadedEnvelope: Data, signature: Data, verifierPEM: String
  ) throws -> Data {
    try JSONSerialization.data(
      withJSONObject: [
        "apiVersion": "0.0.1", "kind": "dsse",
        "spec": [
          "envelopeHash": sha256(uploadedEnvelope), "payloadHash": sha256(payload),
          "signatures": [
            [
              "signature": signature.base64EncodedString(),
              "verifier": Data(verifierPEM.utf8).base64EncodedString(),
            ]
          ],
        ],
      ], options: [.sortedKeys])
  }

  /// `intoto` v0.0.2: the envelope without its payload (payload type, signatures with their
  /// public keys), the hash of the envelope as uploaded and the payload hash. `sig` is base64 of
  /// the envelope's base64 signature text (`singleEncodedSignature` spoils that), `publicKey`
  /// base64 of PEM.
  public static func intoto(
    payloadType: String, payload: Data, uploadedEnvelope: Data, signature: Data,
    verifierPEM: String, singleEncodedSignature: Bool = false
  ) throws -> Data {
    let sigText = signature.base64EncodedString()
    return try JSONSerialization.data(
      withJSONObject: [
        "apiVersion": "0.0.2", "kind": "intoto",
        "spec": [
          "content": [
            "envelope": [
              "payloadType": payloadType,
              "signatures": [
                [
                  "sig": singleEncodedSignature
                    ? sigText : Data(sigText.utf8).base64EncodedString(),
                  "publicKey": Data(verifierPEM.utf8).base64EncodedString(),
                ]
              ],
            ],
            "hash": sha256(uploadedEnvelope), "payloadHash": sha256(payload),
          ]
        ],
      ], options: [.sortedKeys])
  }
}
