import ArgumentParser
import Foundation
import VersionSchemes

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
      help: "Version scheme: \(VersionSchemeKind.allCases.map(\.rawValue).joined(separator: ", "))."
    )
    var scheme: String

    @Flag(name: .long, help: "Read 'A B' pairs from standard input, one per line.")
    var stdin = false

    @Option(name: [.customShort("o"), .customLong("format")], help: "Output format: text or json.")
    var format: String = "text"

    @Option(name: .long, help: "Write the output to this file instead of standard output.")
    var output: String?

    @Flag(name: .shortAndLong, help: "Do not print parse errors on standard error.")
    var quiet = false

    @Argument(help: "The two versions A and B (not with --stdin).")
    var versions: [String] = []

    func validate() throws {
      guard VersionSchemeKind(rawValue: scheme) != nil else {
        throw ValidationError(
          "unknown scheme '\(scheme)'; use one of \(VersionSchemeKind.allCases.map(\.rawValue).joined(separator: ", "))"
        )
      }
      guard format == "text" || format == "json" else {
        throw ValidationError("unknown format '\(format)'; use text or json")
      }
      if stdin {
        guard versions.isEmpty else { throw ValidationError("--stdin takes no version arguments") }
      } else if versions.count != 2 {
        throw ValidationError("expected two versions A and B, got \(versions.count)")
      }
    }

    /// One comparison's outcome: `<`, `=`, `>` or a parse error.
    struct Outcome: Encodable {
      var a: String
      var b: String
      var result: String?
      var error: String?
    }

    static func symbol(_ c: Int) -> String { c < 0 ? "<" : (c == 0 ? "=" : ">") }

    func run() throws {
      guard let kind = VersionSchemeKind(rawValue: scheme) else { throw ExitCode(64) }
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
          outcomes.append(compare(kind, String(fields[0]), String(fields[1])))
        }
      } else {
        outcomes.append(compare(kind, versions[0], versions[1]))
      }
      var text = ""
      if format == "json" {
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
      try emit(text)
      let errors = outcomes.filter { $0.error != nil }
      if !errors.isEmpty {
        if !quiet {
          for e in errors.prefix(stdin ? 20 : 1) {
            FileHandle.standardError.write(Data("tailguard: \(e.error ?? "")\n".utf8))
          }
        }
        throw ExitCode(2)
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

    func compare(_ kind: VersionSchemeKind, _ a: String, _ b: String) -> Outcome {
      do {
        return Outcome(a: a, b: b, result: Self.symbol(try kind.compare(a, b)))
      } catch {
        return Outcome(a: a, b: b, error: error.description)
      }
    }

    func emit(_ text: String) throws {
      if let output {
        do {
          try Data(text.utf8).write(to: URL(fileURLWithPath: output))
        } catch {
          FileHandle.standardError.write(Data("tailguard: cannot write \(output): \(error)\n".utf8))
          throw ExitCode(2)
        }
      } else {
        FileHandle.standardOutput.write(Data(text.utf8))
      }
    }
  }
}
