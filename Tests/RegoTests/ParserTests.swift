import Rego
import Testing

@Suite struct ParserTests {
  func parseError(_ src: String, v0: Bool = false) -> RegoError? {
    do {
      _ = try Parser.parseModule(src, file: "p.rego", options: Parser.Options(v0Compatible: v0))
      return nil
    } catch let e as RegoError {
      return e
    } catch {
      return nil
    }
  }

  @Test func errorsCarryLineAndColumn() throws {
    let cases: [(String, Int, Int)] = [
      ("package p\n\nallow if {\n  x := [1, 2\n}\n", 5, 1),
      ("package p\nq := \"unterminated\n", 2, 6),
      ("package p\np if { x := 1 $ 2 }\n", 2, 15),
      ("package p\nimport foo.bar\n", 2, 1),
      ("package p\np if { \"a\\q\" }\n", 2, 10),
      ("p := 1\n", 1, 1),
    ]
    for (src, row, col) in cases {
      let e = try #require(parseError(src), "expected a parse error for \(src)")
      #expect(e.code == .parseError)
      #expect(e.location?.row == row, "\(src): \(e)")
      #expect(e.location?.col == col, "\(src): \(e)")
      #expect(e.location?.file == "p.rego")
    }
  }

  @Test func v1RequiresIfButV0Accepts() throws {
    let src = "package p\ndeny[msg] {\n  msg := \"x\"\n}\n"
    let e = try #require(parseError(src))
    #expect(e.message.contains("`if` keyword is required"))
    #expect(e.location?.row == 2)
    let m = try Parser.parseModule(src, file: "p.rego", options: Parser.Options(v0Compatible: true))
    guard case .partialSet = m.rules[0].kind else {
      Issue.record("v0 deny[msg] { } must be a partial set rule")
      return
    }
  }

  @Test func ruleForms() throws {
    let src = """
      package a.b
      import rego.v1
      import data.lib.x as y
      default allow := false
      allow if input.ok
      deny contains msg if { msg := "m" }
      obj[k] := 1 if { some k in ["a"] }
      f(x) := x + 1
      g(x) if { x > 1 } else := false
      a.b.c := 3
      """
    let m = try Parser.parseModule(src, file: "m.rego")
    #expect(m.package == ["a", "b"])
    #expect(m.imports == [Import(path: ["data", "lib", "x"], alias: "y")])
    #expect(
      m.rules.map(\.path) == [
        ["allow"], ["allow"], ["deny"], ["obj"], ["f"], ["g"], ["a", "b", "c"],
      ])
    #expect(m.rules[0].isDefault)
    #expect(m.rules[5].elses.count == 1)
  }

  @Test func deepNestingIsRejectedNotCrashing() {
    let src =
      "package p\nx := " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
    let e = parseError(src)
    #expect(e?.code == .parseError)
    #expect(e?.message.contains("nesting") == true)
  }
}
