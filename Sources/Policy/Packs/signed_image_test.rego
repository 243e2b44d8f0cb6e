package tailguard.packs.signed_image_test

import data.tailguard.packs.signed_image
import rego.v1

test_no_verification_denied if {
	count(signed_image.deny) == 1 with input as {"image": {"target": "app:1"}, "signatures": []}
}

test_failed_signature_denied if {
	msgs := signed_image.deny with input as {"image": {"target": "app:1"}, "signatures": [{"verified": false, "keyless": false, "reason": "signature: bad"}]}
	count(msgs) == 1
	some m in msgs
	contains(m, "1 found")
}

test_verified_allowed if {
	count(signed_image.deny) == 0 with input as {"image": {"target": "app:1"}, "signatures": [{"verified": false, "keyless": true}, {"verified": true, "keyless": true, "identity": "builder@example.com"}]}
}
