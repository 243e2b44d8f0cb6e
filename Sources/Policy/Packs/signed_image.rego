package tailguard.packs.signed_image

import rego.v1

verified if {
	some s in input.signatures
	s.verified == true
}

deny contains msg if {
	not verified
	count(input.signatures) == 0
	msg := sprintf("image %s has no verified signature (none found, or scan ran without --require-signature)", [input.image.target])
}

deny contains msg if {
	not verified
	count(input.signatures) > 0
	msg := sprintf("image %s has no verified signature: %d found, none satisfied the requirement", [input.image.target, count(input.signatures)])
}
