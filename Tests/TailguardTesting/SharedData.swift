import Foundation

/// Locates `../shared/data` (real external test data, never copied into the repository).
/// `TAILGUARD_SHARED_DATA` overrides; otherwise it is found relative to the package root.
public enum SharedData {
  public static let root: String = {
    if let env = ProcessInfo.processInfo.environment["TAILGUARD_SHARED_DATA"], !env.isEmpty {
      return env
    }
    // #filePath = <repo>/Tests/TailguardTesting/SharedData.swift
    let repo = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    return repo.deletingLastPathComponent().appendingPathComponent("shared/data")
      .standardizedFileURL.path
  }()

  /// Absolute path of a file or folder under the shared data root.
  public static func path(_ relative: String) -> String { root + "/" + relative }

  public static var isAvailable: Bool {
    FileManager.default.fileExists(atPath: root + "/MANIFEST.md")
  }

  /// The package root (for fixtures under Tests/).
  public static let packageRoot: String = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
    .deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().standardizedFileURL.path
}

/// A temporary directory removed when the value is released. Tests write only here.
public final class TemporaryDirectory: @unchecked Sendable {
  public let path: String
  public init(prefix: String = "tailguard-test") throws {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent(
      "\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
    path = base.path
  }
  deinit { try? FileManager.default.removeItem(atPath: path) }
  public func file(_ name: String) -> String { path + "/" + name }
}
