import Foundation
import ImageSources
import SBOMFormats
import Signatures
import TailguardModel

/// An SBOM taken from a verified in-toto attestation of an image (`scan --sbom-from-attestation`):
/// the builder's CycloneDX or SPDX document, matched like a scanned image, without pulling layers.
public struct AttestedSBOM: Sendable {
  public var sbom: SoftwareBOM
  /// Where the attestation was found (`tag sha256-….att layer 0`, `referrer sha256:…`).
  public var source: String
  public var predicateType: String
  /// Manifest digest of the image the attestation names.
  public var imageDigest: String

  /// CycloneDX (`https://cyclonedx.org/bom`, versioned forms) and SPDX (`https://spdx.dev/Document`,
  /// versioned forms) predicate types; CycloneDX ranks first when both are attested.
  public static func rank(ofPredicateType type: String) -> Int? {
    if type == "https://cyclonedx.org/bom" || type.hasPrefix("https://cyclonedx.org/bom/") {
      return 0
    }
    if type == "https://spdx.dev/Document" || type.hasPrefix("https://spdx.dev/Document/") {
      return 1
    }
    return nil
  }
}

extension Scanner {
  /// Verifies the attestations of the image TARGET and reads the first verified SBOM predicate
  /// (CycloneDX before SPDX, then in the order found). `sbom` is nil when no verified SBOM
  /// attestation exists; the verification report says why for each one found. A verified
  /// predicate that is not a readable SBOM is skipped with a diagnostic on the next one, or thrown
  /// when none is readable.
  public func attestedSBOM(
    target: String, signer: SigstoreVerifier.Signer, trustedRoot: TrustedRoot,
    registry: RegistryClientConfiguration, options: SigstoreVerifier.Options = .init()
  ) async throws -> (sbom: AttestedSBOM?, report: ImageSignatureVerifier.Report) {
    let location = try await ImageSignatureLocator.locate(
      target: target, configuration: registry)
    let report: ImageSignatureVerifier.Report
    do {
      report = try await ImageSignatureVerifier(trustedRoot: trustedRoot, fetcher: location.fetcher)
        .verifyAttestations(of: location.image, signer: signer, options: options)
    } catch {
      await location.close()
      throw error
    }
    await location.close()
    let candidates = report.findings.enumerated().compactMap {
      (i, f) -> (Int, Int, ImageSignatureVerifier.Finding, InTotoStatement)? in
      guard f.verified, let statement = f.statement,
        let rank = AttestedSBOM.rank(ofPredicateType: statement.predicateType)
      else { return nil }
      return (rank, i, f, statement)
    }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
    var skipped: [Diagnostic] = []
    for (_, _, finding, statement) in candidates {
      do {
        var sbom = try SBOMReader().read(
          data: statement.predicate, name: "attestation \(finding.source)")
        sbom.image.target = target
        sbom.image.sourceKind = "attestation"
        if let digest = try? Digest(parsing: report.image.digest) {
          sbom.image.manifestDigest = digest
        }
        sbom.diagnostics += skipped
        sbom.diagnostics.append(
          Diagnostic(
            .info, code: "sbom-from-attestation",
            "SBOM read from the verified \(statement.predicateType) attestation (\(finding.source))"
          ))
        return (
          AttestedSBOM(
            sbom: sbom, source: finding.source, predicateType: statement.predicateType,
            imageDigest: report.image.digest), report
        )
      } catch {
        skipped.append(
          Diagnostic(
            .warning, code: "attested-sbom-unreadable",
            "verified attestation \(finding.source) is not a readable SBOM: \(error)"))
      }
    }
    if let last = skipped.last {
      throw ScannerError(.unreadableTarget, last.message)
    }
    return (nil, report)
  }
}
