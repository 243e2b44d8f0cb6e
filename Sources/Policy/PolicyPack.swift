import Rego

/// A built-in policy pack: Rego source shipped inside the binary, with its own tests.
///
/// A pack lives in package `tailguard.packs.<key>` (`key` is the name with `_` for `-`).
/// Parameters: defaults in the pack, overridden by `data.tailguard.params.<param>` (shared by
/// every pack) and then by `data.tailguard.<key>.<param>` (this pack only).
public struct PolicyPack: Hashable, Sendable {
  /// Name users enable it by (`no-fixable-critical`).
  public var name: String
  public var summary: String
  /// Parameters and their defaults, for `--help` style listings.
  public var parameters: [String: String]
  public var rego: String
  public var testRego: String

  public init(
    name: String, summary: String, parameters: [String: String] = [:], rego: String,
    testRego: String
  ) {
    self.name = name
    self.summary = summary
    self.parameters = parameters
    self.rego = rego
    self.testRego = testRego
  }

  public var key: String { name.replacingOccurrences(of: "-", with: "_") }
  /// Package path without `data.`.
  public var package: String { "tailguard.packs.\(key)" }
  /// File names used in locations of errors and test results.
  public var fileName: String { "builtin:\(name).rego" }
  public var testFileName: String { "builtin:\(name)_test.rego" }

  /// Every built-in pack, sorted by name.
  public static let all: [PolicyPack] = [
    .noFixableCritical, .noKEV, .maxSeverity, .noLatestTag, .digestPinned, .nonRootUser,
    .noShellOrPackageManager, .fips, .maxImageAge,
  ].sorted { $0.name < $1.name }

  public static func named(_ name: String) -> PolicyPack? {
    let n = name.hasPrefix("builtin:") ? String(name.dropFirst(8)) : name
    return (all + optIn).first { $0.name == n || $0.key == n }
  }
}

extension PolicyPack {
  /// A parsed source and the text it came from: the cache hands the module out only to a pack
  /// whose text is the same (a pack built in a test with other Rego is parsed anew).
  private struct Parsed: Sendable {
    var source: String
    var module: Result<Module, RegoError>

    init(_ source: String, file: String) {
      self.source = source
      do {
        module = .success(
          try Parser.parseModule(source, file: file, options: Parser.Options(v0Compatible: false)))
      } catch let e as RegoError {
        module = .failure(e)
      } catch {
        module = .failure(RegoError(.parseError, "\(file): \(error)"))
      }
    }
  }

  /// Every built-in source (the lib, each pack and its tests) parsed once per process, by file
  /// name: `scan --policy` in a fleet scan builds an engine per image, and the server per request.
  private static let parsed: [String: Parsed] = {
    var out = ["builtin:lib.rego": Parsed(libRego, file: "builtin:lib.rego")]
    for p in all + optIn {
      out[p.fileName] = Parsed(p.rego, file: p.fileName)
      out[p.testFileName] = Parsed(p.testRego, file: p.testFileName)
    }
    return out
  }()

  private static func module(_ source: String, file: String) throws -> Module {
    if let cached = parsed[file], cached.source == source { return try cached.module.get() }
    return try Parsed(source, file: file).module.get()
  }

  /// `tailguard.lib`, the helpers every pack imports.
  static func libModule() throws -> Module { try module(libRego, file: "builtin:lib.rego") }
  /// The pack's policy module (Rego v1).
  func policyModule() throws -> Module { try Self.module(rego, file: fileName) }
  /// The pack's `_test.rego` module (Rego v1).
  func testModule() throws -> Module { try Self.module(testRego, file: testFileName) }
}
