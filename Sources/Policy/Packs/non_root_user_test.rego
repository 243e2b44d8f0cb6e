package tailguard.packs.non_root_user_test

import data.tailguard.packs.non_root_user
import rego.v1

with_user(u) := {"image": {"target": "t", "config": {"user": u}}}

test_no_user if {
	count(non_root_user.deny) == 1 with input as with_user(null)
	count(non_root_user.deny) == 1 with input as with_user("")
	count(non_root_user.deny) == 1 with input as {"image": {"target": "t", "config": {}}}
}

test_root_spellings if {
	count(non_root_user.deny) == 1 with input as with_user("root")
	count(non_root_user.deny) == 1 with input as with_user("0")
	count(non_root_user.deny) == 1 with input as with_user("0:0")
	count(non_root_user.deny) == 1 with input as with_user("root:root")
}

test_non_root if {
	count(non_root_user.deny) == 0 with input as with_user("65532")
	count(non_root_user.deny) == 0 with input as with_user("nonroot:nonroot")
	count(non_root_user.deny) == 0 with input as with_user("1000:0")
}
