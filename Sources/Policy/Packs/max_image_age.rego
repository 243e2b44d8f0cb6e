package tailguard.packs.max_image_age

import data.tailguard.lib
import rego.v1

# This pack's own parameters (data.tailguard.max_image_age), over data.tailguard.params.
default own := {}

own := data.tailguard.max_image_age

max_age_days := lib.param(own, "max_age_days", 90)

created := c if {
	c := input.image.config.created
	is_string(c)
} else := c if {
	c := input.image.created
	is_string(c)
}

age_days := (time.now_ns() - time.parse_rfc3339_ns(created)) / ((24 * 3600) * 1000000000)

deny contains msg if {
	age_days > max_age_days
	msg := sprintf("image %s was created %s, %d days ago (maximum %d)", [input.image.target, created, floor(age_days), max_age_days])
}

warn contains msg if {
	not created
	msg := sprintf("image %s has no creation time; its age cannot be checked", [input.image.target])
}
