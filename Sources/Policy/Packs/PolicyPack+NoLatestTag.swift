extension PolicyPack {
  /// `latest` (or no tag at all, which means `latest`) is a moving target: what was scanned is
  /// not what will run.
  public static let noLatestTag = PolicyPack(
    name: "no-latest-tag",
    summary: "deny images referenced by the latest tag or by no tag and no digest",
    rego: #"""
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
      """#,
    testRego: #"""
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
      """#)
}
