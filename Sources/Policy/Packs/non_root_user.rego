package tailguard.packs.non_root_user

import rego.v1

user := u if {
	u := input.image.config.user
	is_string(u)
} else := ""

name := trim_space(split(user, ":")[0])

deny contains msg if {
	name == ""
	msg := sprintf("image %s sets no user (runs as root); set USER to a non-root uid", [input.image.target])
}

deny contains msg if {
	name in {"root", "0"}
	msg := sprintf("image %s runs as root (user \"%s\")", [input.image.target, user])
}
