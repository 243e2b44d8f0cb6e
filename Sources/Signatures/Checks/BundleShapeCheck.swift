import Foundation
import X509

/// The bundle invariants of the protobuf-specs client rules, as sigstore-python applies them: a
/// known media type, the certificate material its version allows (a leaf that is not a CA), at
/// most one log entry of a known type, and the proof or promise and timestamps that version needs.
/// Sets the state's `leaf` and `entry`.
struct BundleShapeCheck: SigstoreCheck {
  func evaluate(_ state: inout SigstoreVerificationState) async -> SigstoreCheckOutcome {
    let bundle = state.bundle
    guard let version = bundle.version else {
      return .fail(.bundleFormat, "unsupported bundle media type '\(bundle.mediaType.prefix(80))'")
    }
    if case .certificate = state.signer {
      switch Self.leaf(of: bundle, version: version) {
      case .success(let leaf): state.leaf = leaf
      case .failure(let failure): return .failed(failure)
      }
    }
    let requireLog = !(state.options.ignoreTransparencyLog && state.isKeyBased)
    if bundle.tlogEntries.isEmpty {
      return requireLog ? .fail(.tlogEntryPresent, "bundle has no transparency-log entry") : .passed
    }
    guard bundle.tlogEntries.count == 1 else {
      return .fail(
        .bundleFormat,
        "expected exactly one transparency-log entry, found \(bundle.tlogEntries.count)")
    }
    let entry = bundle.tlogEntries[0]
    state.entry = entry
    return Self.entryShape(entry, version: version, bundle: bundle, options: state.options)
  }

  /// The signing certificate a keyless bundle of `version` must carry.
  static func leaf(of bundle: SigstoreBundle, version: SigstoreBundle.Version)
    -> Result<FulcioCertificate, VerificationFailure>
  {
    let der: Data
    switch (version, bundle.material) {
    case (.v03, .certificate(let d)): der = d
    case (.v03, _):
      return .failure(.init(.bundleFormat, "v0.3 bundle must carry a single certificate"))
    case (_, .certificateChain(let chain)):
      guard let first = chain.first else {
        return .failure(.init(.bundleFormat, "bundle certificate chain is empty"))
      }
      der = first
    case (_, .certificate):
      return .failure(
        .init(.bundleFormat, "v\(version.rawValue) bundle must carry an x509CertificateChain"))
    default: return .failure(.init(.bundleFormat, "bundle has no signing certificate"))
    }
    let leaf: FulcioCertificate
    do {
      leaf = try FulcioCertificate(der: der)
    } catch {
      return .failure(.init(.bundleFormat, "signing certificate: \(error.message)"))
    }
    if let bc = try? leaf.certificate.extensions.basicConstraints, case .isCertificateAuthority = bc
    {
      return .failure(
        .init(.bundleFormat, "the certificate in the leaf position is a CA certificate"))
    }
    return .success(leaf)
  }

  /// What a log entry of a bundle of `version` must carry.
  static func entryShape(
    _ entry: TransparencyLogEntry, version: SigstoreBundle.Version, bundle: SigstoreBundle,
    options: SigstoreVerifier.Options
  ) -> SigstoreCheckOutcome {
    guard
      SigstoreVerifier.rekorV1EntryTypes.union(SigstoreVerifier.rekorV2EntryTypes)
        .contains(entry.type)
    else {
      return .fail(.bundleFormat, "unsupported log entry type \(entry.type.prefix(40))")
    }
    guard
      entry.inclusionProof?.checkpoint != nil
        || (!options.requireInclusionProof && entry.inclusionPromise != nil)
    else {
      return .fail(.bundleFormat, "log entry must carry an inclusion proof with a checkpoint")
    }
    if version == .v01 {
      guard entry.inclusionPromise != nil else {
        return .fail(.bundleFormat, "v0.1 bundle must carry an inclusion promise")
      }
    } else if entry.inclusionPromise == nil && bundle.rfc3161Timestamps.isEmpty {
      return .fail(.bundleFormat, "bundle must carry an inclusion promise or signed timestamps")
    }
    return .passed
  }
}
