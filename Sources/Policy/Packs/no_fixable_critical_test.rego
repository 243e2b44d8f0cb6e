package tailguard.packs.no_fixable_critical_test

import data.tailguard.packs.no_fixable_critical
import rego.v1

finding(id, sev, fixed) := {
	"id": id, "aliases": [], "severity": sev, "fixedVersion": fixed,
	"package": {"name": "openssl", "version": "3.0.11-1"},
}

test_denies_fixable_critical if {
	r := no_fixable_critical.deny with input as {"findings": [finding("CVE-2024-1", "critical", "3.0.13-1")]}
	r == {"CVE-2024-1: critical in openssl 3.0.11-1, fixed in 3.0.13-1"}
}

test_allows_unfixed_critical if {
	r := no_fixable_critical.deny with input as {"findings": [finding("CVE-2024-1", "critical", null)]}
	count(r) == 0
}

test_allows_fixable_high if {
	r := no_fixable_critical.deny with input as {"findings": [finding("CVE-2024-1", "high", "3.0.13-1")]}
	count(r) == 0
}

test_allow_ids_param if {
	r := no_fixable_critical.deny with input as {"findings": [finding("CVE-2024-1", "critical", "1")]}
		with data.tailguard.params.allow_ids as ["CVE-2024-1"]
	count(r) == 0
}

test_no_findings if {
	count(no_fixable_critical.deny) == 0 with input as {"findings": []}
}
