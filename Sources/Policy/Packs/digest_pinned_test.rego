package tailguard.packs.digest_pinned_test

import data.tailguard.packs.digest_pinned
import rego.v1

test_tag_only_denied if {
	count(digest_pinned.deny) == 1 with input as {"image": {"target": "alpine:3.19", "tag": "3.19", "digest": null}}
}

test_digest_allowed if {
	count(digest_pinned.deny) == 0 with input as {"image": {"target": "alpine:3.19@sha256:ab", "tag": "3.19", "digest": "sha256:ab"}}
}
