import Foundation

/// The syntax of a Dockerfile as BuildKit's parser reads it, without any meaning attached:
/// parser directives (`# escape=`), instructions grouped from physical lines (continuations
/// with the escape character, comment and blank lines inside a continuation skipped),
/// and heredocs (`<<EOF`, `<<-EOF`, quoted words) after `RUN`, `COPY` and `ADD`.
///
/// Fleet (image references and their byte spans) and Policy (Trivy's instruction document)
/// both project from this one reading, so a Dockerfile means the same lines to both.
/// The input is hostile: the instruction count is bounded and what the reader skipped or
/// could not close is reported in `problems`, never dropped silently.
public struct DockerfileSyntax: Sendable {
  /// One instruction, with the physical lines it spans.
  public struct Instruction: Sendable, Hashable {
    /// The keyword, uppercased (`FROM`, `RUN`, …).
    public var keyword: String
    /// The logical line after the keyword, leading white space dropped.
    public var arguments: String
    /// The logical line: physical lines joined without their escape characters and trailing
    /// white space; comment lines inside a continuation left out; heredoc bodies not included.
    public var logical: String
    /// 0-based first physical line.
    public var firstLine: Int
    /// 0-based last physical line of the instruction itself (before any heredoc body).
    public var lastLine: Int
    /// 0-based last physical line including heredoc bodies and their terminators.
    public var endLine: Int
    /// Heredocs the instruction opens, in order.
    public var heredocs: [Heredoc]
  }

  /// A heredoc: its delimiting word and the lines between the instruction and the terminator.
  public struct Heredoc: Sendable, Hashable {
    public var word: String
    /// `<<-WORD`: leading tabs are ignored when looking for the terminator.
    public var stripsTabs: Bool
    /// The body lines joined with `\n` (without the terminator line).
    public var body: String
    /// False when the file ended before the terminator.
    public var terminated: Bool
  }

  /// Something the reader had to give up on.
  public enum Problem: Sendable, Hashable {
    /// A heredoc opened on 0-based `line` was not closed before the end of the file.
    case unterminatedHeredoc(word: String, line: Int)
    /// More than `limit` instructions: the rest of the file, from 0-based `line`, was not read.
    case tooManyInstructions(limit: Int, line: Int)
  }

  public let text: TextLines
  /// The escape character (`\` unless a `# escape=` directive says `` ` ``).
  public let escape: Character
  public let instructions: [Instruction]
  public let problems: [Problem]

  /// Reads `bytes` as a Dockerfile, keeping at most `maxInstructions` instructions.
  public init(bytes: [UInt8], maxInstructions: Int) {
    let text = TextLines(bytes: bytes)
    self.text = text
    var idx = 0
    let escape = Self.directives(text, next: &idx)
    self.escape = escape
    var out: [Instruction] = []
    var problems: [Problem] = []
    while idx < text.count {
      let trimmed = text.lines[idx].trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty || trimmed.hasPrefix("#") {
        idx += 1
        continue
      }
      guard out.count < maxInstructions else {
        problems.append(.tooManyInstructions(limit: maxInstructions, line: idx))
        break
      }
      var instruction = Self.logicalLine(text, from: idx, escape: escape)
      idx = instruction.lastLine + 1
      if ["RUN", "COPY", "ADD"].contains(instruction.keyword) {
        for (word, stripsTabs) in Self.heredocWords(instruction.arguments) {
          let heredoc = Self.heredoc(text, word: word, stripsTabs: stripsTabs, next: &idx)
          if !heredoc.terminated {
            problems.append(.unterminatedHeredoc(word: word, line: instruction.firstLine))
          }
          instruction.heredocs.append(heredoc)
        }
      }
      instruction.endLine = max(instruction.lastLine, idx - 1)
      out.append(instruction)
    }
    self.instructions = out
    self.problems = problems
  }

  /// Parser directives: only at the very top, before any comment, blank line or instruction
  /// (BuildKit stops at the first line that is not one). Only `escape` matters here; a value
  /// other than `\` or `` ` `` is ignored. Leaves `next` at the first line after them.
  static func directives(_ text: TextLines, next idx: inout Int) -> Character {
    var escape: Character = "\\"
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
    return escape
  }

  /// Joins the physical lines of the instruction starting at `first` (a line that is neither
  /// blank nor a comment). A continuation that runs into the end of the file ends there.
  static func logicalLine(_ text: TextLines, from first: Int, escape: Character) -> Instruction {
    var logical = ""
    var cur = first
    while true {
      var l = Substring(text.lines[cur])
      while let last = l.last, last == " " || last == "\t" { l.removeLast() }
      guard l.last == escape else {
        logical += l
        break
      }
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
    }
    let body = logical.drop(while: { $0.isWhitespace })
    let kwEnd = body.firstIndex(where: { $0.isWhitespace }) ?? body.endIndex
    return Instruction(
      keyword: body[..<kwEnd].uppercased(),
      arguments: String(body[kwEnd...].drop(while: { $0.isWhitespace })), logical: logical,
      firstLine: first, lastLine: cur, endLine: cur, heredocs: [])
  }

  /// Reads a heredoc body from `next` up to and including its terminator line (or the end).
  static func heredoc(_ text: TextLines, word: String, stripsTabs: Bool, next idx: inout Int)
    -> Heredoc
  {
    var body: [String] = []
    while idx < text.count {
      let line = text.lines[idx]
      idx += 1
      let compared = stripsTabs ? Substring(line).drop(while: { $0 == "\t" }) : Substring(line)
      if compared == word {
        return Heredoc(
          word: word, stripsTabs: stripsTabs, body: body.joined(separator: "\n"), terminated: true)
      }
      body.append(line)
    }
    return Heredoc(
      word: word, stripsTabs: stripsTabs, body: body.joined(separator: "\n"), terminated: false)
  }

  /// Heredoc words in an instruction's arguments, in order: `<<EOF`, `<<-EOF`, `<<"EOF"`;
  /// `<<` inside quotes or as part of `<<<` does not open one.
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
