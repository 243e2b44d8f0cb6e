extension Builtins {
  /// Trivy's custom builtins, as a documented extension:
  /// - `result.new(msg, cause)` → `{"msg": msg}` plus `startline`/`endline`/`filepath`
  ///   from the cause's `StartLine`/`EndLine`/`Path` and its `__defsec_metadata`
  ///   (same emulation as the regorus runner in shared/data/policy/oracle).
  /// - `sh.parse_commands(script)` → the script's simple commands as argument lists,
  ///   split on `&&`, `||`, `;`, `|` and newlines, with shell quoting removed.
  mutating func registerTrivy() {
    register("result.new", arity: 2) { a, _ in
      var r: [Value: Value] = ["msg": a[0]]
      if case .object(let cause) = a[1] {
        for (from, to) in [
          ("StartLine", "startline"), ("EndLine", "endline"), ("Path", "filepath"),
        ] {
          if let v = cause[.string(from)] { r[.string(to)] = v }
        }
        if case .object(let md)? = cause["__defsec_metadata"] {
          for k in ["startline", "endline", "filepath", "explicit", "managed", "fskey", "resource"]
          {
            if let v = md[.string(k)] { r[.string(k)] = v }
          }
        }
      }
      return .object(r)
    }
    register("sh.parse_commands", arity: 1) { a, _ in
      let cmds = ShellWords.commands(try argString(a, 0, "sh.parse_commands"))
      return .array(cmds.map { .array($0.map { .string($0) }) })
    }
  }
}

/// A small POSIX-shell word splitter: enough to see which commands a `RUN` line runs.
enum ShellWords {
  static func commands(_ s: String) -> [[String]] {
    var out: [[String]] = []
    var words: [String] = []
    var word = ""
    var inWord = false
    var chars = Array(s)[...]
    func endWord() {
      if inWord { words.append(word) }
      word = ""
      inWord = false
    }
    func endCommand() {
      endWord()
      if !words.isEmpty { out.append(words) }
      words = []
    }
    while let c = chars.first {
      chars.removeFirst()
      switch c {
      case "\\":
        if chars.first == "\n" {
          chars.removeFirst()
        } else if let n = chars.first {
          chars.removeFirst()
          word.append(n)
          inWord = true
        }
      case "'":
        inWord = true
        while let n = chars.first, n != "'" {
          chars.removeFirst()
          word.append(n)
        }
        if !chars.isEmpty { chars.removeFirst() }
      case "\"":
        inWord = true
        while let n = chars.first, n != "\"" {
          chars.removeFirst()
          if n == "\\", let e = chars.first, "\"\\$`".contains(e) {
            chars.removeFirst()
            word.append(e)
          } else {
            word.append(n)
          }
        }
        if !chars.isEmpty { chars.removeFirst() }
      case " ", "\t": endWord()
      case "\n", ";": endCommand()
      case "&", "|":
        if chars.first == c { chars.removeFirst() }
        endCommand()
      case "#" where !inWord:
        while let n = chars.first, n != "\n" { chars.removeFirst() }
      default:
        word.append(c)
        inWord = true
      }
    }
    endCommand()
    return out
  }
}
