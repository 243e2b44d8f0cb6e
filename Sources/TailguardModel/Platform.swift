/// An OCI platform: `os/architecture[/variant]`.
public struct Platform: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
  public var os: String
  public var architecture: String
  public var variant: String?

  public init(os: String, architecture: String, variant: String? = nil) {
    self.os = os
    self.architecture = architecture
    self.variant = variant.flatMap { $0.isEmpty ? nil : $0 }
  }

  public static let linuxAMD64 = Platform(os: "linux", architecture: "amd64")

  /// Parses `os/arch[/variant]` (e.g. `linux/arm64/v8`).
  public init(parsing text: String) throws(ModelError) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.count <= 64 }) else {
      throw ModelError(.invalidPlatform, "'\(text.prefix(100))' is not a platform (expected os/arch[/variant], e.g. linux/arm64/v8)")
    }
    self.init(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil)
  }

  public var description: String { [os, architecture, variant].compactMap { $0 }.joined(separator: "/") }

  public static func < (a: Platform, b: Platform) -> Bool { a.description < b.description }

  /// Whether `candidate` satisfies this requested platform. A request without a variant accepts
  /// any variant; `arm64` without a variant also matches `v8` (the default arm64 variant).
  public func accepts(_ candidate: Platform) -> Bool {
    guard os == candidate.os, architecture == candidate.architecture else { return false }
    guard let variant else { return true }
    if variant == candidate.variant { return true }
    return architecture == "arm64" && variant == "v8" && candidate.variant == nil
  }
}
