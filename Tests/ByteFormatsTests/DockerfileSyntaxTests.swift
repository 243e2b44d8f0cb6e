import ByteFormats
import Testing

/// The one Dockerfile reading Fleet and Policy project from: directives, continuations,
/// comments inside them, heredocs, and the bounds on hostile input.
@Suite struct DockerfileSyntaxTests {
  func read(_ text: String, max: Int = 1000) -> DockerfileSyntax {
    DockerfileSyntax(bytes: Array(text.utf8), maxInstructions: max)
  }

  @Test func continuationsSkipCommentsAndKeepLineNumbers() {
    let s = read(
      """
      # syntax=docker/dockerfile:1

      FROM alpine:3.20 AS base
      RUN apk add \\
        # a comment inside the continuation
        curl \\

        jq
      """)
    #expect(s.escape == "\\")
    #expect(s.instructions.map(\.keyword) == ["FROM", "RUN"])
    #expect(s.instructions[0].arguments == "alpine:3.20 AS base")
    #expect(s.instructions[1].logical == "RUN apk add   curl   jq")
    #expect((s.instructions[1].firstLine, s.instructions[1].lastLine) == (3, 7))
    #expect(s.problems.isEmpty)
  }

  @Test func escapeDirectiveOnlyBeforeAnythingElse() {
    let backtick = read("# escape=`\nFROM a\nRUN x `\n  y\n")
    #expect(backtick.escape == "`")
    #expect(backtick.instructions.map(\.logical) == ["FROM a", "RUN x   y"])
    // After a plain comment, `# escape=` is a comment (BuildKit stops reading directives).
    let late = read("# a comment\n# escape=`\nFROM a\n")
    #expect(late.escape == "\\")
    // Only `\` and `` ` `` are escape characters.
    #expect(read("# escape=x\nFROM a\n").escape == "\\")
  }

  @Test func heredocsAfterRunCopyAdd() {
    let s = read(
      """
      FROM a
      RUN <<EOF bash
      echo "<<NOT"
      EOF
      COPY <<-"END" /etc/conf
      \tkey=value
      \tEND
      CMD echo <<EOF
      """)
    #expect(s.instructions.map(\.keyword) == ["FROM", "RUN", "COPY", "CMD"])
    let run = s.instructions[1]
    #expect(run.heredocs.map(\.word) == ["EOF"])
    #expect(run.heredocs.first?.body == "echo \"<<NOT\"")
    #expect((run.lastLine, run.endLine) == (1, 3))
    let copy = s.instructions[2]
    #expect(copy.heredocs.first?.stripsTabs == true && copy.heredocs.first?.terminated == true)
    #expect(copy.endLine == 6)
    // CMD does not open heredocs.
    #expect(s.instructions[3].heredocs.isEmpty)
    // `<<` inside quotes and `<<<` are not heredocs.
    #expect(read("RUN echo '<<EOF' && cat <<<x\n").instructions[0].heredocs.isEmpty)
  }

  @Test func hostileInputIsBoundedAndReported() {
    let many = read(String(repeating: "RUN x\n", count: 50), max: 10)
    #expect(many.instructions.count == 10)
    #expect(many.problems == [.tooManyInstructions(limit: 10, line: 10)])
    let open = read("FROM a\nRUN <<EOF\n" + String(repeating: "x\n", count: 100))
    #expect(open.instructions.count == 2)
    #expect(open.problems == [.unterminatedHeredoc(word: "EOF", line: 1)])
    #expect(open.instructions[1].endLine == 101)
    // A continuation running into the end of the file ends there; CRLF lines are read too.
    let crlf = read("FROM a\r\nRUN x \\\r\n")
    #expect(crlf.instructions.map(\.logical) == ["FROM a", "RUN x "])
    #expect(crlf.instructions[1].lastLine == 1)
  }
}
