import Foundation
import TailguardModel

/// Reads image references out of a Dockerfile with its own parser (no BuildKit dependency):
/// parser directives (`# escape=`), line continuations with comment lines inside them,
/// heredocs (`<<EOF`, `<<-EOF`, quoted words) including comments right after them,
/// `FROM [--platform=…] image [AS name]`, global `ARG`s with `--build-arg` overrides,
/// stage names, `scratch`, `COPY --from=<image>` and `RUN --mount=…,from=<image>`.
public struct DockerfileExtractor: Sendable {
  public var buildArgs: [String: String]
  /// Upper bound on instructions per file.
  public static let maxInstructions = 100_000

  public init(buildArgs: [String: String] = [:]) {
    self.buildArgs = buildArgs
  }

  struct Instruction {
    var keyword: String
    var args: String
    /// 0-based first and last physical line.
    var firstLine: Int
    var lastLine: Int
  }

  public func extract(bytes: [UInt8], file: String) -> (
    references: [FleetReference], diagnostics: [Diagnostic]
  ) {
    let text = TextLines(bytes: bytes)
    var diagnostics: [Diagnostic] = []
    let instructions = Self.instructions(text, file: file, diagnostics: &diagnostics)
    var refs: [FleetReference] = []
    var globalArgs: [String: String] = [:]
    var declaredGlobal: Set<String> = []
    var stageArgs: [String: String] = [:]
    var stages: Set<String> = []
    var sawFrom = false
    var stageIndex = -1
    var stageName: String?
    for ins in instructions {
      let regionStart = text.starts[ins.firstLine]
      let regionEnd = text.lineEnd(ins.lastLine)
      // Search after the keyword so `FROM` itself never matches.
      let searchStart = min(regionStart + ins.keyword.utf8.count, regionEnd)
      switch ins.keyword {
      case "ARG":
        for (name, value) in Self.argDeclarations(ins.args) {
          if !sawFrom {
            declaredGlobal.insert(name)
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
        let tokens = Self.words(ins.args)
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
        for w in Self.words(ins.args) where w.hasPrefix("--") {
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
    _ = declaredGlobal
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

  /// Groups physical lines into instructions: directives, comments, continuations, heredocs.
  static func instructions(_ text: TextLines, file: String, diagnostics: inout [Diagnostic])
    -> [Instruction]
  {
    var escape: Character = "\\"
    var idx = 0
    // Parser directives: only at the very top, before any comment, blank line or instruction.
    while idx < text.count {
      let t = text.lines[idx].trimmingCharacters(in: .whitespaces)
      guard t.hasPrefix("#") else { break }
      let body = t.dropFirst().trimmingCharacters(in: .whitespaces)
      guard let eq = body.firstIndex(of: "=") else { break }
      let key = body[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
      let value = body[body.index(after: eq)...].trimmingCharacters(in: .whitespaces)
      guard !key.isEmpty, key.allSatisfy({ $0.isLetter }) else { break }
      if key == "escape", let v = value.first, value.count == 1, v == "`" || v == "\\" {
        escape = v
      }
      idx += 1
    }
    var out: [Instruction] = []
    while idx < text.count && out.count < maxInstructions {
      let trimmed = text.lines[idx].trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty || trimmed.hasPrefix("#") {
        idx += 1
        continue
      }
      let first = idx
      var logical = ""
      var cur = idx
      while true {
        var l = text.lines[cur]
        while let last = l.last, last == " " || last == "\t" { l.removeLast() }
        if l.last == escape {
          l.removeLast()
          logical += l
          cur += 1
          while cur < text.count {
            let t = text.lines[cur].trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("#") || t.isEmpty { cur += 1 } else { break }
          }
          if cur >= text.count {
            cur = text.count - 1
            break
          }
        } else {
          logical += l
          break
        }
      }
      idx = cur + 1
      let body = logical.drop(while: { $0.isWhitespace })
      let kwEnd = body.firstIndex(where: { $0.isWhitespace }) ?? body.endIndex
      let keyword = body[..<kwEnd].uppercased()
      let args = String(body[kwEnd...].drop(while: { $0.isWhitespace }))
      out.append(Instruction(keyword: keyword, args: args, firstLine: first, lastLine: cur))
      if keyword == "RUN" || keyword == "COPY" || keyword == "ADD" {
        for (word, stripTabs) in heredocWords(args) {
          var found = false
          while idx < text.count {
            var l = Substring(text.lines[idx])
            if stripTabs { l = l.drop(while: { $0 == "\t" }) }
            idx += 1
            if l == word {
              found = true
              break
            }
          }
          if !found {
            diagnostics.append(
              Diagnostic(
                .warning, code: "dockerfile.heredoc-unterminated",
                "heredoc <<\(word) is not terminated", source: "fleet", path: file,
                line: first + 1))
          }
        }
      }
    }
    return out
  }

  /// Heredoc words in an instruction's arguments, in order: `<<EOF`, `<<-EOF`, `<<"EOF"`.
  static func heredocWords(_ args: String) -> [(String, Bool)] {
    var out: [(String, Bool)] = []
    let c = Array(args)
    var i = 0
    var quote: Character?
    while i + 2 < c.count {
      if let q = quote {
        if c[i] == q { quote = nil }
        i += 1
        continue
      }
      if c[i] == "<" && c[i + 1] == "<" && (i == 0 || c[i - 1] != "<") {
        var j = i + 2
        var strip = false
        if j < c.count, c[j] == "-" {
          strip = true
          j += 1
        }
        var q: Character?
        if j < c.count, c[j] == "\"" || c[j] == "'" {
          q = c[j]
          j += 1
        }
        var word = ""
        while j < c.count, c[j] == "_" || (c[j].isASCII && (c[j].isLetter || c[j].isNumber)) {
          word.append(c[j])
          j += 1
        }
        if let q, j < c.count, c[j] == q { j += 1 }
        if !word.isEmpty, word.first.map({ !$0.isNumber }) ?? false {
          out.append((word, strip))
          i = j
          continue
        }
      }
      if c[i] == "\"" || c[i] == "'" { quote = c[i] }
      i += 1
    }
    return out
  }
}
