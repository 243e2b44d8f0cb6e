import Crypto
import Foundation

/// Verifies a Rekor entry against the trusted root's transparency logs: log identity and key
/// window, RFC 6962 inclusion proof, the signed checkpoint, and (Rekor v1) the signed entry
/// timestamp over the canonical JSON `{body, integratedTime, logID, logIndex}`.
public enum TransparencyLogVerifier {
  /// - Parameter signingTimes: verified times (RFC 3161 timestamps) used for the key-window check
  ///   when the entry has no integrated time signed by an inclusion promise (Rekor v2, or a v0.3
  ///   bundle with only an inclusion proof). The entry's own unsigned `integratedTime` never counts.
  public static func verify(
    _ entry: TransparencyLogEntry, trustedRoot: TrustedRoot, signingTimes: [Date] = [],
    requireInclusionProof: Bool = true
  )
    throws(VerificationFailure)
  {
    guard let log = trustedRoot.tlog(withID: entry.logID) else {
      throw VerificationFailure(
        .tlogKnownLog,
        "log ID \(entry.logID.hexString) is not a transparency log of the trusted root")
    }
    let key: VerificationKey
    do {
      key = try VerificationKey(spkiDER: log.publicKey.rawBytes)
    } catch {
      throw VerificationFailure(
        .tlogKnownLog, "trusted root key of \(log.baseURL) is unusable: \(error.message)")
    }
    // The log ID is derived from the key; a trusted root whose ID does not match is inconsistent.
    let expectedID: Data
    if key.algorithm == .ed25519 {
      var h = SHA256()
      h.update(data: Data((log.noteName + "\n").utf8) + Data([0x01]) + key.spkiDER.suffix(32))
      expectedID = Data(h.finalize())
    } else {
      expectedID = key.sha256KeyID
    }
    guard expectedID == log.logID else {
      throw VerificationFailure(
        .tlogKnownLog, "trusted root log ID of \(log.baseURL) does not match its key")
    }
    // The integrated time is evidence only when the inclusion promise signs it (verified below);
    // without a promise whoever made the bundle chose it, so the key window is judged by the
    // verified times instead (Sigstore client spec), and an entry with neither has no window.
    let promised = entry.inclusionPromise != nil ? entry.integratedDate : nil
    let times = promised.map { [$0] } ?? signingTimes
    guard !times.isEmpty else {
      throw VerificationFailure(
        .tlogKnownLog,
        "no verified time to check the validity window of log \(log.baseURL) against (the entry has no inclusion promise and no verified timestamp)"
      )
    }
    for t in times where !log.publicKey.validFor.contains(t) {
      throw VerificationFailure(
        .tlogKnownLog, "entry time \(t) is outside the validity window of log \(log.baseURL)")
    }

    if let proof = entry.inclusionProof {
      try verifyInclusion(entry, proof: proof, log: log, key: key)
    } else if requireInclusionProof || entry.inclusionPromise == nil || entry.integratedTime == nil
    {
      throw VerificationFailure(.tlogInclusionProof, "entry has no inclusion proof")
    }

    if let promise = entry.inclusionPromise, let integrated = entry.integratedTime {
      let payload = canonicalPromisePayload(entry, integratedTime: integrated)
      guard key.isValidSignature(promise, over: payload) else {
        throw VerificationFailure(
          .tlogInclusionPromise,
          "signed entry timestamp does not verify with the key of \(log.baseURL)")
      }
    }
  }

  private static func verifyInclusion(
    _ entry: TransparencyLogEntry, proof: TransparencyLogEntry.InclusionProof,
    log: TrustedRoot.LogInstance,
    key: VerificationKey
  ) throws(VerificationFailure) {
    guard
      MerkleInclusionProof.verify(
        leaf: entry.canonicalizedBody, index: proof.logIndex, treeSize: proof.treeSize,
        proof: proof.hashes,
        rootHash: proof.rootHash)
    else {
      throw VerificationFailure(
        .tlogInclusionProof,
        "inclusion proof for index \(proof.logIndex) in a tree of \(proof.treeSize) does not lead to root \(proof.rootHash.hexString)"
      )
    }
    guard let text = proof.checkpoint else {
      throw VerificationFailure(.tlogCheckpoint, "inclusion proof has no checkpoint")
    }
    let checkpoint = try SignedCheckpoint(parsing: text)
    try checkpoint.verify(logID: log.logID, key: key)
    guard checkpoint.rootHash == proof.rootHash, checkpoint.treeSize == proof.treeSize else {
      throw VerificationFailure(
        .tlogCheckpoint, "checkpoint root hash or tree size differs from the inclusion proof")
    }
  }

  /// RFC 8785 canonical JSON of the SET payload: keys sorted, no whitespace, integers plain.
  static func canonicalPromisePayload(_ entry: TransparencyLogEntry, integratedTime: Int64) -> Data
  {
    let body = entry.canonicalizedBody.base64EncodedString()
    return Data(
      "{\"body\":\"\(body)\",\"integratedTime\":\(integratedTime),\"logID\":\"\(entry.logID.hexString)\",\"logIndex\":\(entry.logIndex)}"
        .utf8)
  }
}
