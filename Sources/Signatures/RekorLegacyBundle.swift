import Foundation

/// cosign's `dev.sigstore.cosign/bundle` annotation: `{SignedEntryTimestamp, Payload{body,
/// integratedTime, logIndex, logID}}`, a Rekor v1 entry without an inclusion proof.
struct RekorLegacyBundle {
  var entry: TransparencyLogEntry

  init(parsing data: Data) throws(VerificationFailure) {
    struct Raw: Decodable {
      struct Payload: Decodable {
        var body: String
        var integratedTime: Int64
        var logIndex: Int64
        var logID: String
      }
      var signedEntryTimestamp: String
      var payload: Payload
      enum CodingKeys: String, CodingKey {
        case signedEntryTimestamp = "SignedEntryTimestamp"
        case payload = "Payload"
      }
    }
    struct KindProbe: Decodable {
      var kind: String
      var apiVersion: String
    }
    let raw: Raw
    do {
      raw = try ProtoJSON.decode(Raw.self, from: data, code: .malformedBundle, path: nil)
    } catch {
      throw VerificationFailure(.bundleFormat, "cosign bundle annotation: \(error.message)")
    }
    guard let set = ProtoJSON.base64(raw.signedEntryTimestamp),
      let body = ProtoJSON.base64(raw.payload.body),
      let logID = Data(hexString: raw.payload.logID),
      let probe = try? JSONDecoder().decode(KindProbe.self, from: body)
    else {
      throw VerificationFailure(.bundleFormat, "cosign bundle annotation has undecodable fields")
    }
    entry = TransparencyLogEntry(
      logIndex: raw.payload.logIndex, logID: logID, kind: probe.kind, kindVersion: probe.apiVersion,
      integratedTime: raw.payload.integratedTime, inclusionPromise: set, inclusionProof: nil,
      canonicalizedBody: body)
  }
}
