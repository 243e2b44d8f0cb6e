import ArgumentParser
import Foundation
import Scanner
import TailguardModel

extension FleetOperations.LintFormat: OutputFormat {
  static var standard: Self { .table }
}

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
        throw Failing(.couldNotRun, ["error: cannot write \(output): \(error)"])
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
    @OptionGroup var output: FormatOptions<FleetOperations.LintFormat>
    @Flag(help: "Exit 1 when a finding remains.") var fail = false
    @Option(
      name: .customLong("severity"), help: "rule=level (error, warning, note, off); repeatable.")
    var severity: [String] = []
    @Option(name: .customLong("build-arg"), help: "Dockerfile ARG override K=V.") var buildArgs:
      [String] = []
    @Option(name: .customLong("env"), help: "Compose variable K=V.") var env: [String] = []
    @Flag(name: .short, help: "Quiet: no diagnostics on stderr.") var quiet = false

    func run() async throws {
      try await ExitCodes.run {
        let lint = try FleetOperations.lint(
          FleetOperations.LintRequest(
            files: FleetOperations.Files(
              paths: paths, buildArgs: try PinCommand.keyValues(buildArgs),
              environment: try PinCommand.keyValues(env)),
            severity: try PinCommand.keyValues(severity)))
        if !quiet { for d in lint.diagnostics { PinCommand.stderr(d.description) } }
        try PinCommand.emit(try lint.render(output.format), to: output.output)
        if lint.exitStatus != .done { throw Failing(lint.exitStatus) }
        if fail && lint.hasFindings { throw Failing(.thresholdCrossed) }
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
      try await ExitCodes.run {
        var request = FleetOperations.FixRequest(
          files: FleetOperations.Files(
            paths: paths, buildArgs: try PinCommand.keyValues(buildArgs),
            environment: try PinCommand.keyValues(env)),
          registry: try registrySettings())
        request.precise = precise
        request.dryRun = dryRun
        request.ociLayout = ociLayout
        let fix: FleetOperations.Fix
        switch await FleetOperations.fix(request) {
        case .success(let f): fix = f
        case .failure(let failure): throw Failing(.couldNotRun, ["error: \(failure)"])
        }
        if !quiet {
          for d in fix.diagnostics { PinCommand.stderr(d.description) }
          for line in fix.skipped { PinCommand.stderr(line) }
        }
        for change in fix.changes {
          if let diff = change.diff { FileHandle.standardOutput.write(Data(diff.utf8)) }
          if let error = change.error { PinCommand.stderr("error: \(error)") }
        }
        if !quiet {
          PinCommand.stderr("\(fix.pinned) references pinned, \(fix.skipped.count) not touched")
        }
        if fix.exitStatus != .done { throw Failing(fix.exitStatus) }
      }
    }

    /// The registry flags (unused with --oci-layout); a password that cannot be read means the
    /// tags cannot be resolved: exit 2, as when the client cannot be opened.
    private func registrySettings() throws -> RegistrySettings {
      guard ociLayout == nil else { return RegistrySettings() }
      do { return try registry.settings() } catch {
        throw Failing(.couldNotRun, ["error: \(error)"])
      }
    }
  }
}
