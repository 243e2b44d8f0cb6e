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

  static func number(_ v: Double) -> String {
    let r = (v * 10).rounded() / 10
    return r == r.rounded() ? String(Int(r)) : String(r)
  }
}
