import Foundation

/// Settings that make SBOM output reproducible: a fixed timestamp and serial/namespace seed
/// give byte-identical files for identical inputs.
public struct SBOMWriteOptions: Sendable, Hashable {
  public var toolName: String
  public var toolVersion: String
  /// RFC 3339 timestamp written as the creation time; defaults to now.
  public var timestamp: String
  /// UUID used for the CycloneDX serial number and the SPDX namespace. When nil, a UUID is
  /// derived from the content (name-based), so the same SBOM gets the same serial.
  public var serial: UUID?

  public init(
    toolName: String = "tailguard", toolVersion: String = TailguardVersion.current,
    timestamp: String? = nil, serial: UUID? = nil
  ) {
    self.toolName = toolName
    self.toolVersion = toolVersion
    self.timestamp = timestamp ?? Self.now()
    self.serial = serial
  }

  static func now() -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    return f.string(from: Date())
  }
}

/// The version string written into SBOMs and reports.
public enum TailguardVersion {
  public static let current = "0.1.0"
}
