import Foundation
import Rego

/// Parses a Dockerfile into the instruction JSON Trivy's checks read:
/// `{"Stages":[{"Name":…,"Commands":[{"Cmd","SubCmd","Flags","Value","Original",
/// "JSON","Stage","Path","StartLine","EndLine"}]}]}`.
///
/// Handles line continuations (with the `# escape=` directive), comments inside
/// continuations, heredocs (`RUN <<EOF … EOF`), exec (JSON) and shell forms.
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
    let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(
      separator: "\n", omittingEmptySubsequences: false
    ).map(String.init)
    var escape: Character = "\\"
    // parser directives at the top
    for l in lines {
      let t = l.trimmingCharacters(in: .whitespaces)
      guard t.hasPrefix("#") else { break }
      let d = t.dropFirst().trimmingCharacters(in: .whitespaces).lowercased()
      if d.hasPrefix("escape="), let c = d.dropFirst("escape=".count).first { escape = c }
    }
    var stages: [Stage] = []
    var i = 0
    var count = 0
    while i < lines.count {
      let raw = lines[i]
      let trimmed = raw.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty || trimmed.hasPrefix("#") {
        i += 1
        continue
      }
      let start = i
      var logical = ""
      var originalLines: [String] = []
      // join continuations
      while i < lines.count {
        let l = lines[i]
        let lt = l.trimmingCharacters(in: .whitespaces)
        if i > start, lt.hasPrefix("#") || lt.isEmpty {
          i += 1
          continue
        }
        originalLines.append(l)
        i += 1
        var body = Substring(l)
        while let last = body.last, last == " " || last == "\t" { body = body.dropLast() }
        if body.last == escape {
          logical += body.dropLast()
          continue
        }
        logical += body
        break
      }
      // heredocs: <<EOF / <<-EOF / <<"EOF"
      var heredocBodies: [String] = []
      for marker in DockerfileParser.heredocMarkers(logical) {
        var body: [String] = []
        while i < lines.count {
          let l = lines[i]
          i += 1
          originalLines.append(l)
          let cmp =
            marker.stripTabs ? l.trimmingCharacters(in: CharacterSet(charactersIn: "\t")) : l
          if cmp == marker.word { break }
          body.append(l)
        }
        heredocBodies.append(body.joined(separator: "\n"))
      }
      count += 1
      if count > DockerfileParser.maxInstructions {
        throw RegoError(
          .dataError, "\(path): more than \(DockerfileParser.maxInstructions) instructions")
      }
      var inst = DockerfileParser.instruction(logical, heredocs: heredocBodies)
      inst.original = logical.trimmingCharacters(in: .whitespaces)
      inst.startLine = start + 1
      inst.endLine = i
      if inst.cmd == "from" {
        stages.append(Stage(name: DockerfileParser.rest(logical), commands: []))
      }
      if stages.isEmpty { stages.append(Stage(name: "", commands: [])) }
      inst.stage = stages.count - 1
      stages[stages.count - 1].commands.append(inst)
    }
    self.stages = stages
  }

  struct HeredocMarker {
    var word: String
    var stripTabs: Bool
  }

  static func heredocMarkers(_ line: String) -> [HeredocMarker] {
    var out: [HeredocMarker] = []
    let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
    for w in words where w.hasPrefix("<<") && w.count > 2 {
      var word = w.dropFirst(2)
      var strip = false
      if word.hasPrefix("-") {
        strip = true
        word = word.dropFirst()
      }
      let cleaned = word.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
      guard !cleaned.isEmpty, cleaned.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
        continue
      }
      out.append(HeredocMarker(word: cleaned, stripTabs: strip))
    }
    return out
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
