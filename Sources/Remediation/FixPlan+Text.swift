/// The plan as a person reads it: a to-do list, biggest risk closed first.
extension FixPlan {
  /// Plain-text table (`-o table`).
  public func table() -> String {
    var lines = ["Fix plan for \(target)" + (imageDigest.map { " (\($0))" } ?? "")]
    if actions.isEmpty { lines.append("No action removes an open finding.") }
    for (i, a) in actions.enumerated() {
      let what =
        a.package.map { "upgrade \($0.name) (\($0.ecosystem.rawValue))" }
        ?? "bump base \(a.base?.repository ?? "")"
      let ids = a.closes.map(\.id)
      lines.append(
        "\(i + 1). \(what) \(a.from) -> \(a.to)  closes \(ids.count) (risk \(Self.number(a.riskClosed))): "
          + Set(ids).sorted().joined(separator: ", "))
      for c in a.base?.candidates ?? [] { lines.append("   " + Self.describe(c)) }
    }
    if !unactionable.isEmpty {
      lines.append("")
      lines.append("Unactionable (\(unactionable.count)):")
      for u in unactionable {
        lines.append("  \(u.package) \(u.version) \(u.id) [\(u.reason.rawValue)] \(u.detail)")
      }
    }
    for note in notes { lines.append("note: \(note)") }
    return lines.joined(separator: "\n") + "\n"
  }

  /// GitHub-flavoured Markdown (`-o markdown`), for a pull request or an issue.
  public func markdown() -> String {
    var lines = ["## Fix plan for `\(target)`", ""]
    lines.append("| # | action | from | to | closes | risk closed |")
    lines.append("|---|---|---|---|---|---|")
    for (i, a) in actions.enumerated() {
      let what =
        a.package.map { "upgrade `\($0.name)`" } ?? "bump base `\(a.base?.repository ?? "")`"
      let ids = Set(a.closes.map(\.id)).sorted().joined(separator: ", ")
      lines.append(
        "| \(i + 1) | \(what) | `\(a.from)` | `\(a.to)` | \(ids) | \(Self.number(a.riskClosed)) |")
    }
    for a in actions where a.base != nil {
      lines += ["", "Base candidates for `\(a.from)`:"]
      lines += (a.base?.candidates ?? []).map { "- " + Self.describe($0) }
    }
    if !unactionable.isEmpty {
      lines += [
        "", "### Unactionable", "", "| package | version | id | reason |", "|---|---|---|---|",
      ]
      for u in unactionable {
        lines.append(
          "| `\(u.package)` | `\(u.version)` | \(u.id) | \(u.reason.rawValue): \(u.detail) |")
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// `candidate 12.5-slim@sha256:…: 3 findings, size -1.2 MB` or `skipped 13-slim: reason`.
  static func describe(_ c: Candidate) -> String {
    if let reason = c.skipped { return "skipped \(c.tag): \(reason)" }
    var out = "candidate \(c.tag)" + (c.digest.map { "@\($0)" } ?? "")
    out += ": \(c.findings.map(String.init) ?? "?") findings"
    if let d = c.sizeDifference {
      out += ", size \(d >= 0 ? "+" : "")\(number(Double(d) / 1_000_000)) MB"
    }
    return out
  }

  static func number(_ v: Double) -> String {
    let r = (v * 10).rounded() / 10
    return r == r.rounded() ? String(Int(r)) : String(r)
  }
}
