extension PolicyDecision {
  /// Human-readable lines for table output and stderr, deterministic:
  /// `DENY  no-kev  CVE-… in … is a known exploited vulnerability …`, then warnings, then a
  /// summary line (`policy: deny (2 violations, 1 warning)`).
  public var textLines: [String] {
    func label(_ v: PolicyViolation) -> String { v.pack ?? "\(v.package).\(v.rule)" }
    var out: [String] = []
    for v in violations { out.append("DENY  \(label(v))  \(v.message)") }
    for w in warnings { out.append("WARN  \(label(w))  \(w.message)") }
    let nv = violations.count
    let nw = warnings.count
    out.append(
      "policy: \(outcome.rawValue) (\(nv) violation\(nv == 1 ? "" : "s"), \(nw) warning\(nw == 1 ? "" : "s"))"
    )
    return out
  }
}
