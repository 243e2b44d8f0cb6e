import ByteFormats
import Foundation
import Rego

/// Parses a Dockerfile into the instruction JSON Trivy's checks read:
/// `{"Stages":[{"Name":…,"Commands":[{"Cmd","SubCmd","Flags","Value","Original",
/// "JSON","Stage","Path","StartLine","EndLine"}]}]}`.
///
/// The instructions and their lines come from ByteFormats' `DockerfileSyntax` (continuations,
/// the `# escape=` directive, comments inside continuations, heredocs), the same reading
/// Fleet's `DockerfileExtractor` projects image references from; this type adds Trivy's
/// shape: flags, exec (JSON) and shell forms, `ENV`/`LABEL` pairs, stages.
public struct DockerfileParser: Sendable {
  public static let maxBytes = 4 << 20
  public static let maxInstructions = 20_000

  public struct Instruction: Sendable, Hashable {
    public var cmd: String
    public var subCmd: String
    public var flags: [String]
    public var value: [String]
    public var original: String
    public var json: Bool
    public var stage: Int
    public var startLine: Int
    public var endLine: Int
  }

  public struct Stage: Sendable, Hashable {
    public var name: String
    public var commands: [Instruction]
  }

  public var path: String
  public var stages: [Stage]

  public init(parsing text: String, path: String = "Dockerfile") throws {
    self.path = path
    guard text.utf8.count <= DockerfileParser.maxBytes else {
      throw RegoError(
        .dataError, "\(path): Dockerfile larger than \(DockerfileParser.maxBytes) bytes")
    }
    let syntax = DockerfileSyntax(
      bytes: Array(text.utf8), maxInstructions: DockerfileParser.maxInstructions)
    if syntax.problems.contains(where: {
      if case .tooManyInstructions = $0 { true } else { false }
    }) {
      throw RegoError(
        .dataError, "\(path): more than \(DockerfileParser.maxInstructions) instructions")
    }
    // An unterminated heredoc takes the rest of the file as its body, as BuildKit reads it.
    var stages: [Stage] = []
    for line in syntax.instructions {
      var inst = DockerfileParser.instruction(
        line.logical, heredocs: line.heredocs.map(\.body))
      inst.original = line.logical.trimmingCharacters(in: .whitespaces)
      inst.startLine = line.firstLine + 1
      inst.endLine = line.endLine + 1
      if inst.cmd == "from" {
        stages.append(Stage(name: DockerfileParser.rest(line.logical), commands: []))
      }
      if stages.isEmpty { stages.append(Stage(name: "", commands: [])) }
      inst.stage = stages.count - 1
      stages[stages.count - 1].commands.append(inst)
    }
    self.stages = stages
  }

  /// Text after the instruction keyword.
  static func rest(_ line: String) -> String {
    let t = line.drop { $0 == " " || $0 == "\t" }
    let afterKeyword = t.drop { $0 != " " && $0 != "\t" }
    return afterKeyword.trimmingCharacters(in: .whitespaces)
  }

  static func instruction(_ line: String, heredocs: [String]) -> Instruction {
    let t = line.trimmingCharacters(in: .whitespaces)
    let keyword = String(t.prefix { $0 != " " && $0 != "\t" })
    var cmd = keyword.lowercased()
    var args = rest(t)
    var subCmd = ""
    if cmd == "onbuild" {
      let sub = String(args.prefix { $0 != " " && $0 != "\t" })
      subCmd = sub.lowercased()
      args = rest(args)
      cmd = "onbuild"
    }
    let effective = subCmd.isEmpty ? cmd : subCmd
    // leading flags
    var flags: [String] = []
    if ["from", "copy", "add", "run", "healthcheck"].contains(effective) {
      while args.hasPrefix("--") {
        let f = String(args.prefix { $0 != " " && $0 != "\t" })
        flags.append(f)
        args = String(args.dropFirst(f.count)).trimmingCharacters(in: .whitespaces)
      }
    }
    var value: [String] = []
    var json = false
    switch effective {
    case "run", "cmd", "entrypoint", "shell", "copy", "add", "volume":
      if let arr = jsonArray(args) {
        value = arr
        json = true
      } else if ["run", "cmd", "entrypoint", "shell"].contains(effective) {
        value = args.isEmpty ? [] : [args]
        if effective == "run", !heredocs.isEmpty {
          value = [([args] + heredocs).joined(separator: "\n")]
        }
      } else {
        value = words(args)
      }
    case "env", "label":
      value = keyValues(args)
    case "healthcheck":
      let kind = String(args.prefix { $0 != " " && $0 != "\t" })
      let restArgs = String(args.dropFirst(kind.count)).trimmingCharacters(in: .whitespaces)
      if kind.uppercased() == "NONE" {
        value = [kind.uppercased()]
      } else if let arr = jsonArray(restArgs) {
        value = [kind.uppercased()] + arr
        json = true
      } else {
        value = [kind.uppercased(), restArgs]
      }
    case "arg":
      value = words(args)
    case "maintainer":
      value = [args]
    default:
      value = words(args)
    }
    if !subCmd.isEmpty {
      value = [args]
    }
    return Instruction(
      cmd: cmd, subCmd: subCmd, flags: flags, value: value, original: line, json: json, stage: 0,
      startLine: 0, endLine: 0)
  }

  static func jsonArray(_ s: String) -> [String]? {
    guard s.hasPrefix("["), s.hasSuffix("]"), let v = try? JSONCodec.decode(s),
      case .array(let a) = v
    else { return nil }
    var out: [String] = []
    for e in a {
      guard case .string(let x) = e else { return nil }
      out.append(x)
    }
    return out
  }

  /// Whitespace-separated words with shell quotes removed.
  static func words(_ s: String) -> [String] {
    var out: [String] = []
    var cur = ""
    var inWord = false
    var quote: Character? = nil
    var it = Array(s)[...]
    while let c = it.first {
      it.removeFirst()
      if let q = quote {
        if c == q {
          quote = nil
        } else if c == "\\", q == "\"", let n = it.first {
          it.removeFirst()
          cur.append(n)
        } else {
          cur.append(c)
        }
        continue
      }
      switch c {
      case "\"", "'":
        quote = c
        inWord = true
      case " ", "\t":
        if inWord { out.append(cur) }
        cur = ""
        inWord = false
      case "\\":
        if let n = it.first {
          it.removeFirst()
          cur.append(n)
          inWord = true
        }
      default:
        cur.append(c)
        inWord = true
      }
    }
    if inWord { out.append(cur) }
    return out
  }

  /// `ENV a=b c="d e"` → [a, b, "=", c, "d e", "="]; legacy `ENV a b c` → [a, "b c", ""].
  static func keyValues(_ s: String) -> [String] {
    let ws = words(s)
    guard let first = ws.first else { return [] }
    if !first.contains("=") {
      let value = String(s.dropFirst(s.prefix { $0 != " " && $0 != "\t" }.count))
        .trimmingCharacters(in: .whitespaces)
      return [first, words(value).joined(separator: " "), ""]
    }
    var out: [String] = []
    for w in ws {
      if let eq = w.firstIndex(of: "=") {
        out += [String(w[..<eq]), String(w[w.index(after: eq)...]), "="]
      } else {
        out += [w, "", "="]
      }
    }
    return out
  }

  /// The Trivy input document.
  public var value: Value {
    .object([
      "Stages": .array(
        stages.map { s in
          .object([
            "Name": .string(s.name),
            "Commands": .array(
              s.commands.map { c in
                .object([
                  "Cmd": .string(c.cmd), "SubCmd": .string(c.subCmd),
                  "Flags": .array(c.flags.map { .string($0) }),
                  "Value": .array(c.value.map { .string($0) }), "Original": .string(c.original),
                  "JSON": .bool(c.json), "Stage": .int(c.stage), "Path": .string(path),
                  "StartLine": .int(c.startLine), "EndLine": .int(c.endLine),
                ])
              }),
          ])
        })
    ])
  }
}
