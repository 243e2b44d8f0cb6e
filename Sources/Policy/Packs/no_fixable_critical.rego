package tailguard.packs.no_fixable_critical

import data.tailguard.lib
import rego.v1

# This pack's own parameters (data.tailguard.no_fixable_critical), over data.tailguard.params.
default own := {}

own := data.tailguard.no_fixable_critical

deny contains msg if {
	some f in input.findings
	lower(f.severity) == "critical"
	f.fixedVersion != null
	not lib.accepted(own, f)
	msg := sprintf("%s: critical in %s %s, fixed in %s", [f.id, f.package.name, f.package.version, f.fixedVersion])
}
