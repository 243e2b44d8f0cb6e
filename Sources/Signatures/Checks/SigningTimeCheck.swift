import Foundation
import TailguardModel

/// Establishes the verified signing times: RFC 3161 timestamps that verify against a timestamp
/// authority of the trusted root, and a Rekor v1 entry's integrated time when (and only when) its
/// inclusion promise signs it. An unsigned integrated time is never a signing time: whoever made
/// the bundle chose it. Timestamps that do not verify become diagnostics, not failures (another
/// source of time may still be enough), as in sigstore-python.
struct SigningTimeCheck: SigstoreCheck {
  func evaluate(_ state: inout SigstoreVerificationState) async -> SigstoreCheckOutcome {
    let bundle = state.bundle
    if bundle.intermediateCertificatesDER.count > 0 {
      state.diagnostics.append(
        Diagnostic(
          .info, code: "sigstore.bundle-chain-ignored",
          "\(bundle.intermediateCertificatesDER.count) certificate(s) after the leaf were ignored; chains are built from the trusted root",
          source: "signatures"))
    }
    if !bundle.rfc3161Timestamps.isEmpty {
      if case .failed(let failure) = await timestamps(&state) { return .failed(failure) }
    }
    if let entry = state.entry, let integrated = entry.integratedDate,
      entry.inclusionPromise != nil
    {
      // Every Rekor v1 entry has an integrated time signed by its promise; Rekor v2 ones have none.
      // (``TransparencyLogCheck`` verifies the promise; a bundle whose promise fails fails there.)
      guard SigstoreVerifier.rekorV1EntryTypes.contains(entry.type) else {
        return .fail(
          .bundleFormat,
          "integrated time is only defined for Rekor v1 entries, not \(entry.type.prefix(40))")
      }
      state.times.append(.init(source: .transparencyLog, date: integrated))
    }
    return .passed
  }

  private func timestamps(_ state: inout SigstoreVerificationState) async -> SigstoreCheckOutcome {
    let stamps = state.bundle.rfc3161Timestamps
    let authorities = state.trustedRoot.timestampAuthorities
    guard stamps.count <= state.options.maximumTimestamps else {
      return .fail(
        .signedTimestamp,
        "too many signed timestamps: \(stamps.count) > \(state.options.maximumTimestamps)")
    }
    guard Set(stamps).count == stamps.count else {
      return .fail(.signedTimestamp, "duplicate signed timestamp")
    }
    guard !authorities.isEmpty else {
      return .fail(
        .signedTimestamp,
        "bundle has signed timestamps but the trusted root has no timestamp authority")
    }
    for (i, raw) in stamps.enumerated() {
      let stamp: RFC3161Timestamp
      do {
        stamp = try RFC3161Timestamp(parsing: raw)
      } catch {
        state.diagnostics.append(
          Diagnostic(
            .warning, code: "sigstore.timestamp-unreadable", "timestamp \(i): \(error.message)",
            source: "signatures"))
        continue
      }
      if let date = await stamp.verify(
        covering: state.bundle.signatureBytes, authorities: authorities)
      {
        state.times.append(.init(source: .timestampAuthority, date: date))
      } else {
        state.diagnostics.append(
          Diagnostic(
            .warning, code: "sigstore.timestamp-unverified",
            "timestamp \(i) (\(stamp.genTime)) does not verify against a timestamp authority of the trusted root; not counted",
            source: "signatures"))
      }
    }
    return .passed
  }
}
