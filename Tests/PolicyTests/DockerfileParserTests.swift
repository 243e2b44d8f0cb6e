import Foundation
import Policy
import Rego
import TailguardTesting
import Testing

@Suite struct DockerfileParserTests {
  @Test func instructionShape() throws {
    let text = """
      # escape=\\
      FROM golang:1.21 AS build
      ENV A=1 B="two words" \\
          C=3
      RUN apt-get update && \\
          # a comment inside a continuation
          apt-get install -y curl
      RUN <<EOT
      set -e
      echo hi
      EOT
      COPY --from=build ["/a", "/b"]
      HEALTHCHECK --interval=5s CMD curl -f http://localhost/ || exit 1
      FROM alpine:3.20
      USER 0
      ONBUILD RUN make
      CMD ["app", "--flag"]
      """
    let df = try DockerfileParser(parsing: text, path: "Dockerfile")
    #expect(df.stages.map(\.name) == ["golang:1.21 AS build", "alpine:3.20"])
    let c = df.stages[0].commands
    #expect(c.map(\.cmd) == ["from", "env", "run", "run", "copy", "healthcheck"])
    #expect(c[0].value == ["golang:1.21", "AS", "build"])
    #expect(c[1].value == ["A", "1", "=", "B", "two words", "=", "C", "3", "="])
    #expect((c[1].startLine, c[1].endLine) == (3, 4))
    #expect(c[2].value == ["apt-get update &&     apt-get install -y curl"])
    #expect((c[2].startLine, c[2].endLine) == (5, 7))
    #expect(c[3].value == ["<<EOT\nset -e\necho hi"])
    #expect((c[3].startLine, c[3].endLine) == (8, 11))
    #expect(c[4].flags == ["--from=build"] && c[4].value == ["/a", "/b"] && c[4].json)
    #expect(
      c[5].flags == ["--interval=5s"]
        && c[5].value == ["CMD", "curl -f http://localhost/ || exit 1"])
    let s1 = df.stages[1].commands
    #expect(s1.map(\.stage) == [1, 1, 1, 1])
    #expect(s1[2].cmd == "onbuild" && s1[2].subCmd == "run")
    #expect(s1[3].value == ["app", "--flag"] && s1[3].json)
    guard case .object(let root) = df.value, case .array(let stages)? = root["Stages"],
      case .object(let st0) = stages[0], case .array(let cmds)? = st0["Commands"],
      case .object(let cmd0) = cmds[0]
    else {
      Issue.record("unexpected JSON shape")
      return
    }
    #expect(
      Set(cmd0.keys.compactMap(\.stringValue))
        == [
          "Cmd", "SubCmd", "Flags", "Value", "Original", "JSON", "Stage", "Path", "StartLine",
          "EndLine",
        ])
  }

  /// The lines come from ByteFormats' `DockerfileSyntax` (Fleet reads the same): a backtick
  /// escape continues lines, and a heredoc's body is not read as instructions.
  @Test func backtickEscapeAndHeredocBodies() throws {
    let text =
      "# escape=`\nFROM alpine\nRUN echo a `\n  b\nCOPY <<EOF /x\nUSER root\nEOF\nUSER app\n"
    let c = try DockerfileParser(parsing: text).stages[0].commands
    #expect(c.map(\.cmd) == ["from", "run", "copy", "user"])
    #expect(c[1].value == ["echo a   b"] && (c[1].startLine, c[1].endLine) == (3, 4))
    #expect((c[2].startLine, c[2].endLine) == (5, 7) && c[2].value == ["<<EOF", "/x"])
    #expect(c[3].value == ["app"])
  }

  @Test func hostileDockerfileIsBounded() throws {
    let huge = String(repeating: "RUN x\n", count: 30_000)
    #expect(throws: RegoError.self) { _ = try DockerfileParser(parsing: huge) }
    // an unterminated heredoc consumes the rest of the file, without error or hang
    let df = try DockerfileParser(
      parsing: "FROM a\nRUN <<EOF\n" + String(repeating: "x\n", count: 1000))
    #expect(df.stages[0].commands.count == 2)
  }

  @Test func kubernetesMultiDocument() throws {
    let text = """
      apiVersion: v1
      kind: Pod
      metadata: {name: a}
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: b}
      ---
      """
    let v = try InputDocuments.kubernetes(text: text, path: "k.yaml")
    guard case .array(let docs) = v else {
      Issue.record("multi-document YAML must be an array")
      return
    }
    #expect(docs.map { $0.objectValue?["kind"] } == [.string("Pod"), .string("Service")])
    let single = try InputDocuments.kubernetes(text: "kind: Pod\n", path: "p.yaml")
    #expect(single.objectValue?["kind"] == .string("Pod"))
  }
}

/// Every trivy-checks Dockerfile check that ships examples (`checks/docker/*.yaml`:
/// `good` and `bad` Dockerfiles) runs unchanged on tailguard's parsed Dockerfiles:
/// bad examples are denied, good ones are not.
@Suite struct TrivyDockerfileExamplesTests {
  static let dir = SharedData.path("policy/trivy-checks/checks/docker")

  @Test func examplesMatchTheirVerdict() throws {
    let options = Engine.Options(builtins: .withTrivyExtensions())
    var engine = Engine(options: options)
    try engine.load(
      paths: [SharedData.path("policy/trivy-checks/lib/docker"), Self.dir], regoOnly: true)
    let program = try engine.compile()
    let files = try FileManager.default.contentsOfDirectory(atPath: Self.dir).filter {
      $0.hasSuffix(".yaml")
    }.sorted()
    #expect(files.count >= 20)
    var checked = 0
    var wrong: [String] = []
    for f in files {
      let base = String(f.dropLast(5))
      let rego = try String(contentsOfFile: Self.dir + "/" + base + ".rego", encoding: .utf8)
      guard let pkgLine = rego.split(separator: "\n").first(where: { $0.hasPrefix("package ") })
      else { continue }
      let pkg = pkgLine.dropFirst("package ".count).trimmingCharacters(in: .whitespaces)
      let examples = try YAMLCodec.decode(
        try String(contentsOfFile: Self.dir + "/" + f, encoding: .utf8))
      guard case .object(let ex)? = examples.objectValue?["dockerfile"] else { continue }
      for (kind, expectDeny) in [("good", false), ("bad", true)] {
        for case .string(let text) in ex[.string(kind)]?.arrayValue ?? [] {
          let input = try DockerfileParser(parsing: text, path: "Dockerfile").value
          let r = try Engine.evaluate(
            query: "x := count(data.\(pkg).deny)", program: program, input: input, options: options)
          let n = r.rows.first?.bindings["x"]?.numberValue?.intValue ?? -1
          if (n > 0) != expectDeny { wrong.append("\(base) \(kind): deny count \(n)\n\(text)") }
          checked += 1
        }
      }
    }
    #expect(wrong.isEmpty, "\(wrong.joined(separator: "\n---\n"))")
    #expect(checked >= 40)
    print("trivy Dockerfile examples: \(checked - wrong.count)/\(checked) verdicts as expected")
  }
}
