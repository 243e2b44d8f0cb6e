import Foundation
import TailguardModel

/// What a successful verification established, for reports and policy input.
public struct VerifiedSignature: Sendable, Hashable {
  public enum TimeSource: String, Sendable, Hashable, Codable {
    case transparencyLog = "transparency-log"
    case timestampAuthority = "timestamp-authority"
  }
  public struct VerifiedTime: Sendable, Hashable {
    public var source: TimeSource
    public var date: Date
  }

  /// SAN identities of the signing certificate (empty for key-based signatures).
  public var identities: [String]
  public var issuer: String?
  /// Fulcio extension values by field.
  public var certificateFields: [FulcioCertificate.Field: String]
  public var verifiedTimes: [VerifiedTime]
  /// Index of the transparency-log entry, when one was verified.
  public var logIndex: Int64?
  /// DSSE payload type and payload, when the bundle held an envelope.
  public var payloadType: String?
  public var payload: Data?
  /// What was present but not used (an unverifiable timestamp, certificates in the bundle that the
  /// trusted root makes redundant), so nothing is skipped silently.
  public var diagnostics: [Diagnostic] = []
}
