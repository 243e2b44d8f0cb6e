package tailguard.lib

import rego.v1

# param(own, name, default): the pack's own parameters (data.tailguard.<pack_key>, passed
# in by the pack through a static reference), else data.tailguard.params.<name>, else the
# pack's default. Packs never index data.tailguard with a variable: that would make every
# rule under data.tailguard a dependency (OPA and regorus report recursion).
param(own, name, def) := v if {
	v := own[name]
} else := v if {
	v := data.tailguard.params[name]
} else := def

severity_rank := {
	"unknown": 0,
	"negligible": 1,
	"low": 2,
	"medium": 3,
	"high": 4,
	"critical": 5,
}

rank(s) := severity_rank[lower(s)]

# Finding ids (or aliases) the user accepts for a pack.
accepted(own, f) if {
	some id in param(own, "allow_ids", [])
	id == f.id
}

accepted(own, f) if {
	some id in param(own, "allow_ids", [])
	id in f.aliases
}
