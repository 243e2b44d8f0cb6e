extension PolicyPack {
  /// A severity ceiling, the usual CI gate (`--fail-on` expressed as policy).
  public static let maxSeverity = PolicyPack(
    name: "max-severity",
    summary: "deny findings more severe than params.max_severity (default high)",
    parameters: ["max_severity": "high", "only_fixable": "false", "allow_ids": "[]"],
    rego: #"""
      package tailguard.packs.max_severity

      import data.tailguard.lib
      import rego.v1

      # This pack's own parameters (data.tailguard.max_severity), over data.tailguard.params.
      default own := {}

      own := data.tailguard.max_severity

      max_severity := lib.param(own, "max_severity", "high")

      only_fixable := lib.param(own, "only_fixable", false)

      deny contains msg if {
      	some f in input.findings
      	lib.rank(f.severity) > lib.rank(max_severity)
      	fixable_enough(f)
      	not lib.accepted(own, f)
      	msg := sprintf("%s: %s in %s %s exceeds the maximum severity %s", [f.id, lower(f.severity), f.package.name, f.package.version, max_severity])
      }

      fixable_enough(f) if not only_fixable

      fixable_enough(f) if f.fixedVersion != null
      """#,
    testRego: #"""
      package tailguard.packs.max_severity_test

      import data.tailguard.packs.max_severity
      import rego.v1

      f(id, sev, fixed) := {"id": id, "aliases": [], "severity": sev, "fixedVersion": fixed, "package": {"name": "p", "version": "1"}}

      findings := [f("C1", "critical", null), f("H1", "high", "2"), f("M1", "medium", null), f("U1", "unknown", null)]

      test_default_high_denies_only_critical if {
      	r := max_severity.deny with input as {"findings": findings}
      	r == {"C1: critical in p 1 exceeds the maximum severity high"}
      }

      test_param_medium if {
      	r := max_severity.deny with input as {"findings": findings}
      		with data.tailguard.params.max_severity as "medium"
      	count(r) == 2
      }

      test_per_pack_param_wins if {
      	r := max_severity.deny with input as {"findings": findings}
      		with data.tailguard.params.max_severity as "critical"
      		with data.tailguard.max_severity.max_severity as "low"
      	count(r) == 3
      }

      test_only_fixable if {
      	r := max_severity.deny with input as {"findings": findings}
      		with data.tailguard.params as {"max_severity": "low", "only_fixable": true}
      	r == {"H1: high in p 1 exceeds the maximum severity low"}
      }
      """#)
}
