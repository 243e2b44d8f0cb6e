/// The built-in packs. Their Rego is data, not Swift: each pack is `<key>.rego` with its tests in
/// `<key>_test.rego` next to this file, embedded in the binary by SwiftPM (`.embedInCode` in
/// Package.swift, so the executable needs no resource bundle) and parsed once per process
/// (`PolicyPack.parsed`). Edit the `.rego` files; `tailguard policy test` and PolicyTests run
/// their tests, and the regorus/opa differential tests check they mean the same there.
extension PolicyPack {
  /// Helpers shared by every pack (package `tailguard.lib`): parameter lookup with the
  /// override order of `PolicyPack`, and severity ranks.
  public static let libRego = source(PackageResources.lib_rego)

  /// Critical findings that a package upgrade would fix: the cheapest risk to remove.
  public static let noFixableCritical = PolicyPack(
    name: "no-fixable-critical",
    summary: "deny critical findings that have a fixed version",
    parameters: ["allow_ids": "[]"],
    rego: source(PackageResources.no_fixable_critical_rego),
    testRego: source(PackageResources.no_fixable_critical_test_rego))

  /// Findings in CISA's Known Exploited Vulnerabilities catalog: exploited in the wild now.
  public static let noKEV = PolicyPack(
    name: "no-kev",
    summary: "deny findings listed in CISA KEV",
    parameters: ["allow_ids": "[]"],
    rego: source(PackageResources.no_kev_rego),
    testRego: source(PackageResources.no_kev_test_rego))

  /// A severity ceiling, the usual CI gate (`--fail-on` expressed as policy).
  public static let maxSeverity = PolicyPack(
    name: "max-severity",
    summary: "deny findings more severe than params.max_severity (default high)",
    parameters: ["max_severity": "high", "only_fixable": "false", "allow_ids": "[]"],
    rego: source(PackageResources.max_severity_rego),
    testRego: source(PackageResources.max_severity_test_rego))

  /// `latest` (or no tag at all, which means `latest`) is a moving target: what was scanned is
  /// not what will run.
  public static let noLatestTag = PolicyPack(
    name: "no-latest-tag",
    summary: "deny images referenced by the latest tag or by no tag and no digest",
    rego: source(PackageResources.no_latest_tag_rego),
    testRego: source(PackageResources.no_latest_tag_test_rego))

  /// Only a digest names immutable content; tags can be moved to other images.
  public static let digestPinned = PolicyPack(
    name: "digest-pinned",
    summary: "deny image references without a digest",
    rego: source(PackageResources.digest_pinned_rego),
    testRego: source(PackageResources.digest_pinned_test_rego))

  /// A container that runs as root turns any code-execution bug into root in the container.
  public static let nonRootUser = PolicyPack(
    name: "non-root-user",
    summary: "deny images whose config user is empty, root, 0 or 0:0",
    rego: source(PackageResources.non_root_user_rego),
    testRego: source(PackageResources.non_root_user_test_rego))

  /// Distroless posture: a runtime image without shells or package managers gives an attacker
  /// with code execution much less to work with.
  public static let noShellOrPackageManager = PolicyPack(
    name: "no-shell-or-package-manager",
    summary: "deny shells and package managers in the image (distroless posture)",
    parameters: ["allowed": "[] (paths or package names)"],
    rego: source(PackageResources.no_shell_or_package_manager_rego),
    testRego: source(PackageResources.no_shell_or_package_manager_test_rego))

  /// For images that claim FIPS 140 (a label, the `-fips` naming convention, or
  /// `params.fips_required`): OpenSSL's FIPS provider is installed and configured, Go binaries
  /// are built with BoringCrypto or the Go FIPS 140 module, and no non-validated crypto
  /// library is installed.
  public static let fips = PolicyPack(
    name: "fips",
    summary:
      "when the image claims FIPS: OpenSSL FIPS provider, Go BoringCrypto, no non-FIPS crypto libraries",
    parameters: [
      "fips_required": "false", "non_fips_crypto_patterns": "(see pack)",
      "openssl_package_patterns": "(see pack)",
    ],
    rego: source(PackageResources.fips_rego),
    testRego: source(PackageResources.fips_test_rego))

  /// Old images miss every fix published since they were built, even with no known finding.
  public static let maxImageAge = PolicyPack(
    name: "max-image-age",
    summary: "deny images created more than params.max_age_days (default 90) ago",
    parameters: ["max_age_days": "90"],
    rego: source(PackageResources.max_image_age_rego),
    testRego: source(PackageResources.max_image_age_test_rego))

  /// Who built the image: deny it unless `scan --require-signature` verified at least one
  /// signature (`input.signatures`). Opt-in, not part of `all`: it needs the verification flags.
  public static let signedImage = PolicyPack(
    name: "signed-image",
    summary: "deny images without a verified cosign signature (needs scan --require-signature)",
    rego: source(PackageResources.signed_image_rego),
    testRego: source(PackageResources.signed_image_test_rego))

  /// Packs enabled only by name (`--policy signed-image`), not by `all`: they need inputs a
  /// plain scan does not produce.
  public static let optIn: [PolicyPack] = [.signedImage]

  /// The text of an embedded `.rego` file, without the final newline (the pack sources were
  /// Swift strings before, and error locations and test output stay the same).
  static func source(_ bytes: [UInt8]) -> String {
    String(decoding: bytes.last == 10 ? bytes.dropLast() : bytes[...], as: UTF8.self)
  }
}
