import Fleet
import Foundation
import ImageSources
import Reports
import TailguardModel

/// `fleet inventory`, `pin lint` and `pin fix` as values: deployment files are found and read,
/// references extracted, linted, resolved and rewritten here; what was found, the rendered
/// output and what went wrong come back for the command line to print.
public enum FleetOperations {
  /// Which deployment files to read and how to expand their variables.
  public struct Files: Sendable, Hashable {
    /// Files or directories (searched recursively).
    public var paths: [String]
    /// Dockerfile `ARG` overrides.
    public var buildArgs: [String: String]
    /// Compose variables.
    public var environment: [String: String]

    public init(
      paths: [String], buildArgs: [String: String] = [:], environment: [String: String] = [:]
    ) {
      self.paths = paths
      self.buildArgs = buildArgs
      self.environment = environment
    }

    func scan() -> FleetInventory {
      FleetScanner(buildArgs: buildArgs, environment: environment).scan(paths)
    }
  }

  // MARK: fleet inventory

  /// `fleet inventory -o`: one row per reference (table also prints the summary), the
  /// references as JSON or CSV, or the summary alone as JSON.
  public enum InventoryFormat: String, Sendable, CaseIterable {
    case table, json, csv
    case summaryJSON = "summary-json"
  }

  /// Every image reference in the files, with the files read and what could not be read.
  public struct Inventory: Sendable, ExitStatusReporting {
    public var diagnostics: [Diagnostic]
    let inventory: FleetInventory

    /// 2 when a named input is missing or unreadable: the inventory is incomplete.
    public var exitStatus: ExitStatus {
      diagnostics.contains(where: { $0.code == "fleet.missing" || $0.code == "fleet.unreadable" })
        ? .couldNotRun : .done
    }

    /// The inventory in `format`.
    public func render(_ format: InventoryFormat) throws -> String {
      let summary = FleetSummary(inventory.references, files: inventory.files.count)
      switch format {
      case .json: return try InventoryFormatter.json(inventory.references)
      case .summaryJSON: return try InventoryFormatter.json(summary)
      case .csv: return InventoryFormatter.csv(inventory.references)
      case .table: return InventoryFormatter.table(inventory.references, summary: summary)
      }
    }
  }

  public static func inventory(_ files: Files) -> Inventory {
    let inventory = files.scan()
    return Inventory(diagnostics: inventory.diagnostics, inventory: inventory)
  }

  // MARK: pin lint

  /// `pin lint -o`: one line per finding with a count, the findings as JSON, or SARIF 2.1.0.
  public enum LintFormat: String, Sendable, CaseIterable {
    case table, json, sarif
  }

  public struct LintRequest: Sendable, Hashable {
    public var files: Files
    /// Rule name to level (`error`, `warning`, `note`, `off`), as given on the command line.
    public var severity: [String: String]

    public init(files: Files, severity: [String: String] = [:]) {
      self.files = files
      self.severity = severity
    }
  }

  /// The findings of `pin lint`.
  public struct Lint: Sendable, ExitStatusReporting {
    public var diagnostics: [Diagnostic]
    let findings: [PinFinding]
    let files: Int

    /// Whether a finding remains whose level is not `off` (`--fail` exits 1 on it).
    public var hasFindings: Bool { findings.contains(where: { $0.level != .off }) }

    /// 2 when a named input is missing.
    public var exitStatus: ExitStatus {
      diagnostics.contains(where: { $0.code == "fleet.missing" }) ? .couldNotRun : .done
    }

    public func render(_ format: LintFormat) throws -> String {
      switch format {
      case .json: return try InventoryFormatter.json(findings)
      case .sarif: return try PinLintSARIF.render(findings)
      case .table:
        var t = findings.map {
          "\($0.file):\($0.line): \($0.level.rawValue) [\($0.rule.rawValue)] \($0.message)"
        }
        .joined(separator: "\n")
        if !t.isEmpty { t += "\n" }
        return t + "\(findings.count) findings in \(files) files\n"
      }
    }
  }

  /// Lints every reference; an unknown rule or level name is a usage error.
  public static func lint(_ request: LintRequest) throws(ScannerError) -> Lint {
    var levels: [PinRule: PinLevel] = [:]
    for (k, v) in request.severity {
      guard let rule = PinRule(rawValue: k) else {
        throw ScannerError(
          .usage,
          "unknown rule '\(k)' (\(PinRule.allCases.map(\.rawValue).joined(separator: ", ")))")
      }
      guard let level = PinLevel(rawValue: v) else {
        throw ScannerError(.usage, "unknown level '\(v)'")
      }
      levels[rule] = level
    }
    let inventory = request.files.scan()
    let findings = PinLinter(levels: levels).lint(
      inventory.references, fileLines: PinLinter.readLines)
    return Lint(
      diagnostics: inventory.diagnostics, findings: findings, files: inventory.files.count)
  }

  // MARK: pin fix

  public struct FixRequest: Sendable {
    public var files: Files
    /// Also replace a floating tag by the most specific tag with the same digest.
    public var precise = false
    /// Print diffs instead of writing the files.
    public var dryRun = false
    /// Resolve tags from this OCI layout instead of the registry.
    public var ociLayout: String?
    public var registry: RegistrySettings

    public init(files: Files, registry: RegistrySettings) {
      self.files = files
      self.registry = registry
    }
  }

  /// One file `pin fix` changed: its diff (dry run), or why it could not be read or written.
  public struct FileChange: Sendable, Hashable {
    public var path: String
    public var diff: String?
    public var error: String?
  }

  /// What `pin fix` did, in the order it happened.
  public struct Fix: Sendable, Hashable, ExitStatusReporting {
    public var diagnostics: [Diagnostic]
    /// `file:line: not pinned: reference: reason`, one per reference left alone.
    public var skipped: [String]
    /// Per changed file, sorted by path.
    public var changes: [FileChange]
    public var pinned: Int
    /// Some reference could not be resolved (registry unreachable, tag unknown).
    public var unresolved: Bool

    /// 2 when a file could not be rewritten or a reference could not be resolved: the job was
    /// not done. Templated references are reported but are not a failure.
    public var exitStatus: ExitStatus {
      unresolved || changes.contains(where: { $0.error != nil }) ? .couldNotRun : .done
    }
  }

  /// Why `pin fix` could not start (the layout or registry client could not be opened).
  public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
  }

  /// Resolves every unpinned reference to its digest and rewrites only the reference bytes (or
  /// returns the diffs on a dry run).
  public static func fix(_ request: FixRequest) async -> Result<Fix, Failure> {
    let resolver: any DigestResolver
    do {
      if let ociLayout = request.ociLayout {
        resolver = try OCILayoutResolver(path: ociLayout)
      } else {
        resolver = RegistryDigestResolver(
          client: try RegistryClient(configuration: try request.registry.configuration()))
      }
    } catch {
      return .failure(Failure(description: "\(error)"))
    }
    let inventory = request.files.scan()
    let plan = await PinFixer(resolver: resolver, precise: request.precise).plan(
      inventory.references)
    var changes: [FileChange] = []
    for (file, edits) in Dictionary(grouping: plan.edits, by: \.file).sorted(by: {
      $0.key < $1.key
    }) {
      guard let data = FileManager.default.contents(atPath: file) else {
        changes.append(FileChange(path: file, error: "cannot read \(file)"))
        continue
      }
      let old = [UInt8](data)
      let new = PinFixer.apply(edits, to: old)
      if request.dryRun {
        changes.append(
          FileChange(path: file, diff: PinFixer.unifiedDiff(path: file, old: old, new: new)))
      } else {
        do {
          try Data(new).write(to: URL(fileURLWithPath: file))
          changes.append(FileChange(path: file))
        } catch {
          changes.append(FileChange(path: file, error: "cannot write \(file): \(error)"))
        }
      }
    }
    return .success(
      Fix(
        diagnostics: inventory.diagnostics,
        skipped: plan.skipped.map {
          "\($0.reference.file):\($0.reference.line): not pinned: \($0.reference.reference): \($0.reason)"
        },
        changes: changes, pinned: plan.edits.count,
        unresolved: plan.skipped.contains(where: { $0.reason.hasPrefix("cannot resolve") })))
  }
}
