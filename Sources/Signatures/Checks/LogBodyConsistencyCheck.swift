import Crypto
import Foundation

/// The log entry's canonicalized body (what the log signed) describes this bundle: a hashedrekord
/// with the artifact's digest, the signature and the signer's certificate or key; or a dsse /
/// intoto body with the envelope's payload hash, payload type, signatures and verifiers.
struct LogBodyConsistencyCheck: SigstoreCheck {
  func evaluate(_ state: inout SigstoreVerificationState) async -> SigstoreCheckOutcome {
    guard let entry = state.entry else { return .passed }
    let key: VerificationKey
    switch state.requireKey() {
    case .success(let k): key = k
    case .failure(let failure): return .failed(failure)
    }
    let verifierDER = state.verifierDER(key)
    let body: RekorEntryBody
    switch state.bundle.content {
    case .messageSignature(let message):
      guard entry.kind == "hashedrekord" else {
        return .fail(
          .tlogBodyConsistency, "expected a hashedrekord log entry, found \(entry.kind.prefix(30))")
      }
      do { body = try SigstoreVerificationState.body(of: entry) } catch { return .failed(error) }
      guard case .hashedRekord(_, let bodyDigest, let bodySig) = body.kind,
        bodyDigest == state.messageDigest?.bytes,
        bodySig == message.signature, body.verifierDER == [verifierDER]
      else {
        return .fail(
          .tlogBodyConsistency,
          "transparency log entry is inconsistent with the signature, key or artifact")
      }
      return .passed
    case .dsseEnvelope(let envelope):
      do { body = try SigstoreVerificationState.body(of: entry) } catch { return .failed(error) }
      return Self.dsse(envelope, entry: entry, body: body, key: key, verifierDER: verifierDER)
    }
  }

  static func dsse(
    _ envelope: DSSEEnvelope, entry: TransparencyLogEntry, body: RekorEntryBody,
    key: VerificationKey, verifierDER: Data
  ) -> SigstoreCheckOutcome {
    switch (entry.kind, entry.kindVersion, body.kind) {
    case ("hashedrekord", "0.0.2", .hashedRekord(_, let d, let sig)):
      let pae = envelope.preAuthenticationEncoding
      guard envelope.signatures.count == 1, d == key.naturalHash.digest(pae).bytes,
        sig == envelope.signatures[0].signature, body.verifierDER == [verifierDER]
      else {
        return .fail(
          .tlogBodyConsistency, "transparency log entry is inconsistent with the DSSE envelope")
      }
      return .passed
    case ("dsse", _, .dsse(let algorithm, let payloadHash, let sigs)),
      ("intoto", _, .dsse(let algorithm, let payloadHash, let sigs)):
      func inconsistent(_ what: String) -> SigstoreCheckOutcome {
        .fail(
          .tlogBodyConsistency, "\(entry.type) log entry \(what) differs from the DSSE envelope's")
      }
      guard ["sha256", "SHA2_256"].contains(algorithm),
        payloadHash == Data(SHA256.hash(data: envelope.payload))
      else { return inconsistent("payload hash") }
      guard body.payloadType == nil || body.payloadType == envelope.payloadType else {
        return inconsistent("payload type")
      }
      guard sigs == envelope.signatures.map(\.signature) else { return inconsistent("signatures") }
      guard body.verifierDER.allSatisfy({ $0 == verifierDER }) else {
        return inconsistent("verifier (certificate or key)")
      }
      return .passed
    default:
      return .fail(
        .tlogBodyConsistency,
        "unsupported DSSE log entry type \(entry.kind.prefix(30))/\(entry.kindVersion.prefix(20))")
    }
  }
}
