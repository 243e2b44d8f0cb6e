package tailguard.packs.digest_pinned

import rego.v1

deny contains msg if {
	input.image.digest == null
	msg := sprintf("image %s is not pinned by digest (use name@sha256:…)", [input.image.target])
}
