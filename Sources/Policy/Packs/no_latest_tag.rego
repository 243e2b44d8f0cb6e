package tailguard.packs.no_latest_tag

import rego.v1

# The tag of the reference; else the tags the source gives (OCI ref.name, RepoTags).
tags := {input.image.tag} if {
	is_string(input.image.tag)
} else := {t | some t in object.get(input.image, "tags", [])}

deny contains msg if {
	"latest" in tags
	msg := sprintf("image %s uses the 'latest' tag; pin a version tag and digest", [input.image.target])
}

deny contains msg if {
	count(tags) == 0
	input.image.digest == null
	msg := sprintf("image %s has neither a tag nor a digest (means 'latest')", [input.image.target])
}
