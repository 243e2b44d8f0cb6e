package tailguard.packs.max_image_age_test

import data.tailguard.packs.max_image_age as pack
import rego.v1

# 2026-01-01T00:00:00Z
now := 1767225600000000000

img(created) := {"image": {"target": "t", "config": {"created": created}}}

test_old_image_denied if {
	r := pack.deny with input as img("2025-01-01T00:00:00Z") with time.now_ns as now
	r == {"image t was created 2025-01-01T00:00:00Z, 365 days ago (maximum 90)"}
}

test_recent_image_allowed if {
	count(pack.deny) == 0 with input as img("2025-12-01T00:00:00Z") with time.now_ns as now
}

test_param if {
	r := pack.deny with input as img("2025-12-01T00:00:00Z") with time.now_ns as now
		with data.tailguard.max_image_age.max_age_days as 7
	count(r) == 1
}

test_missing_created_warns if {
	count(pack.warn) == 1 with input as {"image": {"target": "t", "config": {"created": null}}}
	count(pack.deny) == 0 with input as {"image": {"target": "t", "config": {"created": null}}}
}
