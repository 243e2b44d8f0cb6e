import ArgumentParser
import Fleet
import Foundation
import ImageSources
import Scanner
import TailguardModel

/// `tailguard pin lint|fix`: find references that are not pinned by digest, and pin them.
struct PinCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pin", abstract: "Lint and fix image pinning in deployment files.",
    subcommands: [Lint.self, Fix.self])

  static func keyValues(_ items: [String]) throws -> [String: String] {
    var out: [String: String] = [:]
    for item in items {
      guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
        throw ValidationError("expected K=V, got '\(item)'")
      }
      out[String(item[..<eq])] = String(item[item.index(after: eq)...])
    }
    return out
  }

  static func emit(_ text: String, to output: String?) throws {
    if let output {
      do { try Data(text.utf8).write(to: URL(fileURLWithPath: output)) } catch {
        FileHandle.standardError.write(Data("error: cannot write \(output): \(error)\n".utf8))
        throw ExitCodes.exitCode(.couldNotRun)
      }
    } else {
      FileHandle.standardOutput.write(Data(text.utf8))
    }
  }

  static func stderr(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }

  struct Lint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "One finding per unpinned image reference (latest, untagged, floating-tag, no-digest).",
      discussion: """
        Suppress inline with '# tailguard:ignore[rule] reason' on the line or the line above. \
        floating-tag is an offline heuristic (major or major.minor versions, names without a \
        version); findings say so.
        """)
    @Argument(help: "Files or directories.") var paths: [String]
    @Option(name: [.customShort("o"), .customLong("format")], help: "table, json or sarif.")
    var format = "table"
    @Option(name: .customLong("output"), help: "Write to this file.") var output: String?
    @Flag(help: "Exit 1 when a finding remains.") var fail = false
    @Option(
      name: .customLong("severity"), help: "rule=level (error, warning, note, off); repeatable.")
    var severity: [String] = []
    @Option(name: .customLong("build-arg"), help: "Dockerfile ARG override K=V.") var buildArgs:
      [String] = []
    @Option(name: .customLong("env"), help: "Compose variable K=V.") var env: [String] = []
    @Flag(name: .short, help: "Quiet: no diagnostics on stderr.") var quiet = false

    func run() async throws {
      var levels: [PinRule: PinLevel] = [:]
      for (k, v) in try PinCommand.keyValues(severity) {
        guard let rule = PinRule(rawValue: k) else {
          throw ValidationError(
            "unknown rule '\(k)' (\(PinRule.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let level = PinLevel(rawValue: v) else {
          throw ValidationError("unknown level '\(v)'")
        }
        levels[rule] = level
      }
      let inv = FleetScanner(
        buildArgs: try PinCommand.keyValues(buildArgs), environment: try PinCommand.keyValues(env)
      ).scan(paths)
      if !quiet { for d in inv.diagnostics { PinCommand.stderr(d.description) } }
      let findings = PinLinter(levels: levels).lint(inv.references, fileLines: PinLinter.readLines)
      let text: String
      switch format {
      case "json": text = try InventoryFormatter.json(findings)
      case "sarif": text = try PinLintSARIF.render(findings)
      case "table":
        var t = findings.map {
          "\($0.file):\($0.line): \($0.level.rawValue) [\($0.rule.rawValue)] \($0.message)"
        }
        .joined(separator: "\n")
        if !t.isEmpty { t += "\n" }
        text = t + "\(findings.count) findings in \(inv.files.count) files\n"
      default: throw ValidationError("unknown format '\(format)' (table, json, sarif)")
      }
      try PinCommand.emit(text, to: output)
      if inv.diagnostics.contains(where: { $0.code == "fleet.missing" }) {
        throw ExitCodes.exitCode(.couldNotRun)
      }
      if fail && findings.contains(where: { $0.level != .off }) {
        throw ExitCodes.exitCode(.thresholdCrossed)
      }
    }
  }

  struct Fix: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Rewrite references in place to name:tag@sha256:… (only the reference bytes change).")
    @Argument(help: "Files or directories.") var paths: [String]
    @Flag(help: "Print a unified diff instead of writing.") var dryRun = false
    @Flag(help: "Also replace a floating tag by the most specific tag with the same digest.")
    var precise = false
    @Option(name: .customLong("oci-layout"), help: "Resolve tags from this OCI layout directory.")
    var ociLayout: String?
    @Option(name: .customLong("build-arg"), help: "Dockerfile ARG override K=V.") var buildArgs:
      [String] = []
    @Option(name: .customLong("env"), help: "Compose variable K=V.") var env: [String] = []
    @Flag(name: .short, help: "Quiet.") var quiet = false
    /// Registry flags (credentials, `--insecure-registry`, `--ca-file`) for resolving tags.
    @OptionGroup var registry: RegistryOptions

    func run() async throws {
      let resolver: any DigestResolver
      if let ociLayout {
        do { resolver = try OCILayoutResolver(path: ociLayout) } catch {
          PinCommand.stderr("error: \(error)")
          throw ExitCodes.exitCode(.couldNotRun)
        }
      } else {
        do {
          resolver = RegistryDigestResolver(
            client: try RegistryClient(configuration: try registry.settings().configuration()))
        } catch {
          PinCommand.stderr("error: \(error)")
          throw ExitCodes.exitCode(.couldNotRun)
        }
      }
      let inv = FleetScanner(
        buildArgs: try PinCommand.keyValues(buildArgs), environment: try PinCommand.keyValues(env)
      ).scan(paths)
      if !quiet { for d in inv.diagnostics { PinCommand.stderr(d.description) } }
      let plan = await PinFixer(resolver: resolver, precise: precise).plan(inv.references)
      for s in plan.skipped where !quiet {
        PinCommand.stderr(
          "\(s.reference.file):\(s.reference.line): not pinned: \(s.reference.reference): \(s.reason)"
        )
      }
      var failed = false
      for (file, edits) in Dictionary(grouping: plan.edits, by: \.file).sorted(by: {
        $0.key < $1.key
      }) {
        guard let data = FileManager.default.contents(atPath: file) else {
          PinCommand.stderr("error: cannot read \(file)")
          failed = true
          continue
        }
        let old = [UInt8](data)
        let new = PinFixer.apply(edits, to: old)
        if dryRun {
          FileHandle.standardOutput.write(
            Data(PinFixer.unifiedDiff(path: file, old: old, new: new).utf8))
        } else {
          do { try Data(new).write(to: URL(fileURLWithPath: file)) } catch {
            PinCommand.stderr("error: cannot write \(file): \(error)")
            failed = true
          }
        }
      }
      if !quiet {
        PinCommand.stderr(
          "\(plan.edits.count) references pinned, \(plan.skipped.count) not touched")
      }
      // A reference the resolver could not resolve (registry unreachable, tag unknown) means the
      // job was not done: exit 2. Templated references are reported but are not a failure.
      if failed || plan.skipped.contains(where: { $0.reason.hasPrefix("cannot resolve") }) {
        throw ExitCodes.exitCode(.couldNotRun)
      }
    }
  }
}
