import ByteFormats
import Foundation
import TailguardModel

/// Reads image references out of a Dockerfile, projected from ByteFormats' `DockerfileSyntax`
/// (the instruction grouping Policy reads too; no BuildKit dependency):
/// `FROM [--platform=…] image [AS name]`, global `ARG`s with `--build-arg` overrides,
/// stage names, `scratch`, `COPY --from=<image>` and `RUN --mount=…,from=<image>`.
public struct DockerfileExtractor: Sendable {
  public var buildArgs: [String: String]
  /// Upper bound on instructions per file.
  public static let maxInstructions = 100_000

  public init(buildArgs: [String: String] = [:]) {
    self.buildArgs = buildArgs
  }

  public func extract(bytes: [UInt8], file: String) -> (
    references: [FleetReference], diagnostics: [Diagnostic]
  ) {
    let syntax = DockerfileSyntax(bytes: bytes, maxInstructions: Self.maxInstructions)
    let text = syntax.text
    var diagnostics = syntax.problems.map { Self.diagnostic($0, file: file) }
    var refs: [FleetReference] = []
    var globalArgs: [String: String] = [:]
    var stageArgs: [String: String] = [:]
    var stages: Set<String> = []
    var sawFrom = false
    var stageIndex = -1
    var stageName: String?
    for ins in syntax.instructions {
      let regionStart = text.starts[ins.firstLine]
      let regionEnd = text.lineEnd(ins.lastLine)
      // Search after the keyword so `FROM` itself never matches.
      let searchStart = min(regionStart + ins.keyword.utf8.count, regionEnd)
      switch ins.keyword {
      case "ARG":
        for (name, value) in Self.argDeclarations(ins.arguments) {
          if !sawFrom {
            if let o = buildArgs[name] {
              globalArgs[name] = o
            } else if let value {
              globalArgs[name] = value
            }
          } else {
            if let o = buildArgs[name] {
              stageArgs[name] = o
            } else if let value {
              stageArgs[name] = value
            } else if let g = globalArgs[name] {
              stageArgs[name] = g
            }
          }
        }
      case "FROM":
        sawFrom = true
        stageIndex += 1
        stageArgs = [:]
        let tokens = Self.words(ins.arguments)
        let nonFlags = tokens.filter { !$0.hasPrefix("--") }
        guard let image = nonFlags.first else {
          diagnostics.append(
            Diagnostic(
              .error, code: "dockerfile.from-empty", "FROM without an image", source: "fleet",
              path: file, line: ins.firstLine + 1))
          refs.append(
            FleetReference(
              file: file, line: ins.firstLine + 1, reference: "", class: .invalid,
              source: .dockerfile))
          continue
        }
        var alias: String?
        if nonFlags.count >= 3, nonFlags[1].lowercased() == "as" { alias = nonFlags[2] }
        stageName = alias
        let span = text.find(image, from: searchStart, to: regionEnd)
        let line = span.map { text.line(ofOffset: $0.start) } ?? ins.firstLine + 1
        let substituted =
          Interpolation.containsPlaceholder(image)
          ? Interpolation.substitute(image, variables: globalArgs) : nil
        refs.append(
          FleetReference.make(
            file: file, line: line, written: image, substituted: substituted, source: .dockerfile,
            stages: stages,
            workload: WorkloadInfo(kind: "stage", name: alias ?? String(stageIndex)),
            span: span))
        if let alias { stages.insert(alias.lowercased()) }
      case "COPY", "RUN", "ADD":
        var froms: [(String, String)] = []  // (image, search prefix)
        for w in Self.words(ins.arguments) where w.hasPrefix("--") {
          if ins.keyword == "COPY", w.lowercased().hasPrefix("--from=") {
            froms.append((String(w.dropFirst(7)), "--from="))
          } else if ins.keyword == "RUN", w.lowercased().hasPrefix("--mount=") {
            for kv in w.dropFirst(8).split(separator: ",") {
              let parts = kv.split(separator: "=", maxSplits: 1)
              if parts.count == 2, parts[0].lowercased() == "from" {
                froms.append((Self.unquote(String(parts[1])), "from="))
              }
            }
          }
        }
        for (image, _) in froms {
          let lower = image.lowercased()
          if stages.contains(lower) || image.allSatisfy(\.isNumber) || image.isEmpty { continue }
          var vars = globalArgs
          vars.merge(stageArgs) { _, s in s }
          let substituted =
            Interpolation.containsPlaceholder(image)
            ? Interpolation.substitute(image, variables: vars) : nil
          if let s = substituted, stages.contains(s.lowercased()) { continue }
          let span = text.find(image, from: searchStart, to: regionEnd)
          let line = span.map { text.line(ofOffset: $0.start) } ?? ins.firstLine + 1
          refs.append(
            FleetReference.make(
              file: file, line: line, written: image, substituted: substituted, source: .dockerfile,
              stages: stages,
              workload: WorkloadInfo(
                kind: ins.keyword == "COPY" ? "copy-from" : "mount-from",
                name: stageName ?? String(max(stageIndex, 0))),
              span: span))
        }
      default:
        break
      }
    }
    return (refs, diagnostics)
  }

  /// Splits on white space, keeping quoted parts together.
  static func words(_ s: String) -> [String] {
    var out: [String] = []
    var cur = ""
    var quote: Character?
    for ch in s {
      if let q = quote {
        cur.append(ch)
        if ch == q { quote = nil }
      } else if ch == "\"" || ch == "'" {
        quote = ch
        cur.append(ch)
      } else if ch.isWhitespace {
        if !cur.isEmpty { out.append(cur) }
        cur = ""
      } else {
        cur.append(ch)
      }
    }
    if !cur.isEmpty { out.append(cur) }
    return out
  }

  static func unquote(_ s: String) -> String {
    if s.count >= 2, let f = s.first, f == "\"" || f == "'", s.last == f {
      return String(s.dropFirst().dropLast())
    }
    return s
  }

  /// `ARG A=1 B="2" C` → [(A, 1), (B, 2), (C, nil)].
  static func argDeclarations(_ args: String) -> [(String, String?)] {
    words(args).map { w in
      if let eq = w.firstIndex(of: "=") {
        return (String(w[..<eq]), unquote(String(w[w.index(after: eq)...])))
      }
      return (w, nil)
    }
  }

  /// The diagnostic for something the syntax reader gave up on.
  static func diagnostic(_ problem: DockerfileSyntax.Problem, file: String) -> Diagnostic {
    switch problem {
    case .unterminatedHeredoc(let word, let line):
      return Diagnostic(
        .warning, code: "dockerfile.heredoc-unterminated", "heredoc <<\(word) is not terminated",
        source: "fleet", path: file, line: line + 1)
    case .tooManyInstructions(let limit, let line):
      return Diagnostic(
        .warning, code: "dockerfile.too-many-instructions",
        "more than \(limit) instructions; the rest of the file was not read", source: "fleet",
        path: file, line: line + 1)
    }
  }
}
