extension PolicyPack {
  /// Old images miss every fix published since they were built, even with no known finding.
  public static let maxImageAge = PolicyPack(
    name: "max-image-age",
    summary: "deny images created more than params.max_age_days (default 90) ago",
    parameters: ["max_age_days": "90"],
    rego: #"""
      package tailguard.packs.max_image_age

      import data.tailguard.lib
      import rego.v1

      # This pack's own parameters (data.tailguard.max_image_age), over data.tailguard.params.
      default own := {}

      own := data.tailguard.max_image_age

      max_age_days := lib.param(own, "max_age_days", 90)

      created := c if {
      	c := input.image.config.created
      	is_string(c)
      } else := c if {
      	c := input.image.created
      	is_string(c)
      }

      age_days := (time.now_ns() - time.parse_rfc3339_ns(created)) / ((24 * 3600) * 1000000000)

      deny contains msg if {
      	age_days > max_age_days
      	msg := sprintf("image %s was created %s, %d days ago (maximum %d)", [input.image.target, created, floor(age_days), max_age_days])
      }

      warn contains msg if {
      	not created
      	msg := sprintf("image %s has no creation time; its age cannot be checked", [input.image.target])
      }
      """#,
    testRego: #"""
      package tailguard.packs.max_image_age_test

      import data.tailguard.packs.max_image_age as pack
      import rego.v1

      # 2026-01-01T00:00:00Z
      now := 1767225600000000000

      img(created) := {"image": {"target": "t", "config": {"created": created}}}

      test_old_image_denied if {
      	r := pack.deny with input as img("2025-01-01T00:00:00Z") with time.now_ns as now
      	r == {"image t was created 2025-01-01T00:00:00Z, 365 days ago (maximum 90)"}
      }

      test_recent_image_allowed if {
      	count(pack.deny) == 0 with input as img("2025-12-01T00:00:00Z") with time.now_ns as now
      }

      test_param if {
      	r := pack.deny with input as img("2025-12-01T00:00:00Z") with time.now_ns as now
      		with data.tailguard.max_image_age.max_age_days as 7
      	count(r) == 1
      }

      test_missing_created_warns if {
      	count(pack.warn) == 1 with input as {"image": {"target": "t", "config": {"created": null}}}
      	count(pack.deny) == 0 with input as {"image": {"target": "t", "config": {"created": null}}}
      }
      """#)
}
