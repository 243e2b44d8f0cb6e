extension PolicyPack {
  /// Who built the image: deny it unless `scan --require-signature` verified at least one
  /// signature (`input.signatures`). Opt-in, not part of `all`: it needs the verification flags.
  public static let signedImage = PolicyPack(
    name: "signed-image",
    summary: "deny images without a verified cosign signature (needs scan --require-signature)",
    rego: #"""
      package tailguard.packs.signed_image

      import rego.v1

      verified if {
      	some s in input.signatures
      	s.verified == true
      }

      deny contains msg if {
      	not verified
      	count(input.signatures) == 0
      	msg := sprintf("image %s has no verified signature (none found, or scan ran without --require-signature)", [input.image.target])
      }

      deny contains msg if {
      	not verified
      	count(input.signatures) > 0
      	msg := sprintf("image %s has no verified signature: %d found, none satisfied the requirement", [input.image.target, count(input.signatures)])
      }
      """#,
    testRego: #"""
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
      """#)

  /// Packs enabled only by name (`--policy signed-image`), not by `all`: they need inputs a
  /// plain scan does not produce.
  public static let optIn: [PolicyPack] = [.signedImage]
}
