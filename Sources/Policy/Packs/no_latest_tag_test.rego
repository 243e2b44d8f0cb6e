package tailguard.packs.no_latest_tag_test

import data.tailguard.packs.no_latest_tag
import rego.v1

img(target, tag, digest, tags) := {"image": {"target": target, "tag": tag, "digest": digest, "tags": tags}}

test_latest_denied if {
	count(no_latest_tag.deny) == 1 with input as img("alpine:latest", "latest", null, [])
}

test_untagged_denied if {
	r := no_latest_tag.deny with input as img("alpine", null, null, [])
	r == {"image alpine has neither a tag nor a digest (means 'latest')"}
}

test_version_tag_allowed if {
	count(no_latest_tag.deny) == 0 with input as img("alpine:3.19", "3.19", null, [])
}

test_digest_only_allowed if {
	count(no_latest_tag.deny) == 0 with input as img("alpine@sha256:aa", null, "sha256:aa", [])
}

test_layout_tags_used if {
	count(no_latest_tag.deny) == 1 with input as img("oci:dir", null, null, ["latest"])
	count(no_latest_tag.deny) == 0 with input as img("oci:dir", null, null, ["v1"])
}
