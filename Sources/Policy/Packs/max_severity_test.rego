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
