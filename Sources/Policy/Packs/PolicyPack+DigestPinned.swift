extension PolicyPack {
  /// Only a digest names immutable content; tags can be moved to other images.
  public static let digestPinned = PolicyPack(
    name: "digest-pinned",
    summary: "deny image references without a digest",
    rego: #"""
      package tailguard.packs.digest_pinned

      import rego.v1

      deny contains msg if {
      	input.image.digest == null
      	msg := sprintf("image %s is not pinned by digest (use name@sha256:…)", [input.image.target])
      }
      """#,
    testRego: #"""
      package tailguard.packs.digest_pinned_test

      import data.tailguard.packs.digest_pinned
      import rego.v1

      test_tag_only_denied if {
      	count(digest_pinned.deny) == 1 with input as {"image": {"target": "alpine:3.19", "tag": "3.19", "digest": null}}
      }

      test_digest_allowed if {
      	count(digest_pinned.deny) == 0 with input as {"image": {"target": "alpine:3.19@sha256:ab", "tag": "3.19", "digest": "sha256:ab"}}
      }
      """#)
}
