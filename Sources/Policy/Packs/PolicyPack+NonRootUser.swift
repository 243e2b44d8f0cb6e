extension PolicyPack {
  /// A container that runs as root turns any code-execution bug into root in the container.
  public static let nonRootUser = PolicyPack(
    name: "non-root-user",
    summary: "deny images whose config user is empty, root, 0 or 0:0",
    rego: #"""
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
      """#,
    testRego: #"""
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
      """#)
}
