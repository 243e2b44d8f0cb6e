import Foundation
import Policy
import Rego
import Signatures

/// `verify-attestation --policy`: Rego policies evaluated on every verified attestation, with the
/// whole in-toto statement as `input` (`input.predicateType`, `input.subject`, `input.predicate`),
/// as cosign's `--policy` does. Only verified statements are evaluated; a deny is a result.
public struct AttestationPolicy: Sendable {
  /// One verified attestation and the decision on it.
  public struct Evaluation: Sendable {
    /// Where the attestation was found (`tag sha256-….att layer 0`, `referrer sha256:…`).
    public var source: String
    public var predicateType: String
    public var decision: PolicyDecision
  }

  public var engine: PolicyEngine

  public init(engine: PolicyEngine) {
    self.engine = engine
  }

  /// Policy files or directories (`.rego`, data `.json`/`.yaml`), or built-in pack names.
  public init(arguments: [String]) throws {
    engine = try PolicyEngine(arguments: arguments)
  }

  /// Decisions for each verified attestation of `report`, in report order.
  public func evaluate(_ report: ImageSignatureVerifier.Report) throws -> [Evaluation] {
    var out: [Evaluation] = []
    for finding in report.findings {
      guard case .success(let verified) = finding.outcome, let statement = finding.statement,
        let payload = verified.payload
      else { continue }
      let input = try JSONCodec.decode(
        String(decoding: payload, as: UTF8.self), file: "<attestation \(finding.source)>")
      out.append(
        Evaluation(
          source: finding.source, predicateType: statement.predicateType,
          decision: try engine.evaluate(input: input)))
    }
    return out
  }
}
