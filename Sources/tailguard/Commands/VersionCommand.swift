import ArgumentParser
import Foundation
import Reports
import Scanner

/// `tailguard version compare`: how tailguard orders two versions under one ecosystem's rules.
/// Users debug a surprising match with it; CI feeds it thousands of pairs (`--stdin`) for the
/// differential tests against dpkg, rpm, packaging, node-semver and Maven.
struct VersionCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "version",
    abstract:
      "Version ordering per ecosystem (deb, rpm, apk, pypi, semver, npm, go, maven, generic).",
    subcommands: [Compare.self]
  )

  struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Compare two versions: prints <, = or >.",
      discussion: """
        With --stdin, reads one whitespace-separated pair per line and prints one result per line \
        ('error: …' for a pair that does not parse; the exit code is then 2 at the end).
        Exit codes: 0 done, 2 a version did not parse, 64 usage.
        """
    )

    @Option(
      name: .long,
      help: "Version scheme: \(VersionComparison.schemes.joined(separator: ", "))."
    )
    var scheme: String

    @Flag(name: .long, help: "Read 'A B' pairs from standard input, one per line.")
    var stdin = false

    @OptionGroup var output: OutputOptions<TextOrJSON>

    @Argument(help: "The two versions A and B (not with --stdin).")
    var versions: [String] = []

    func validate() throws {
      guard VersionComparison.schemes.contains(scheme) else {
        throw ValidationError(
          "unknown scheme '\(scheme)'; use one of \(VersionComparison.schemes.joined(separator: ", "))"
        )
      }
      if stdin {
        guard versions.isEmpty else { throw ValidationError("--stdin takes no version arguments") }
      } else if versions.count != 2 {
        throw ValidationError("expected two versions A and B, got \(versions.count)")
      }
    }

    typealias Outcome = VersionComparison.Outcome

    func run() throws {
      try ExitCodes.runSync(quiet: output.quiet) { try compareAll() }
    }

    func compareAll() throws {
      var outcomes: [Outcome] = []
      if stdin {
        while let line = readLine(strippingNewline: true) {
          let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
          if fields.isEmpty { continue }
          guard fields.count == 2 else {
            outcomes.append(
              Outcome(
                a: line, b: "",
                error: "expected two whitespace-separated versions, got \(fields.count) fields"))
            continue
          }
          outcomes.append(
            VersionComparison.compare(scheme: scheme, String(fields[0]), String(fields[1])))
        }
      } else {
        outcomes.append(VersionComparison.compare(scheme: scheme, versions[0], versions[1]))
      }
      var text = ""
      if output.format == .json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(
          stdin ? AnyEncodableOutcomes.many(outcomes) : .one(outcomes[0]))
        text = String(decoding: data, as: UTF8.self) + "\n"
      } else if stdin {
        for o in outcomes { text += (o.result ?? "error: \(o.error ?? "")") + "\n" }
      } else if let result = outcomes[0].result {
        text = result + "\n"
      }
      try output.write(text)
      let errors = outcomes.filter { $0.error != nil }
      if !errors.isEmpty {
        throw Failing(
          .couldNotRun, errors.prefix(stdin ? 20 : 1).map { "tailguard: \($0.error ?? "")" })
      }
    }

    enum AnyEncodableOutcomes: Encodable {
      case one(Outcome)
      case many([Outcome])
      func encode(to encoder: Encoder) throws {
        switch self {
        case .one(let o): try o.encode(to: encoder)
        case .many(let list): try list.encode(to: encoder)
        }
      }
    }
  }
}
