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
