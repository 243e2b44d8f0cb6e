// swift-tools-version: 6.1
import PackageDescription

// Module map: see README.md "Architecture" and ../shared/DESIGN.md.
// Dependencies point one way; Scanner is the only target that knows every stage.

let argumentParser = Target.Dependency.product(
  name: "ArgumentParser", package: "swift-argument-parser")
let grdb = Target.Dependency.product(name: "GRDB", package: "GRDB.swift")
let yams = Target.Dependency.product(name: "Yams", package: "Yams")
let crypto = Target.Dependency.product(name: "Crypto", package: "swift-crypto")
let x509 = Target.Dependency.product(name: "X509", package: "swift-certificates")
let asn1 = Target.Dependency.product(name: "SwiftASN1", package: "swift-asn1")
let httpClient = Target.Dependency.product(name: "AsyncHTTPClient", package: "async-http-client")
let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioHTTP1 = Target.Dependency.product(name: "NIOHTTP1", package: "swift-nio")
let nioSSL = Target.Dependency.product(name: "NIOSSL", package: "swift-nio-ssl")
let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")
let hummingbirdTLS = Target.Dependency.product(name: "HummingbirdTLS", package: "hummingbird")
let hummingbirdTesting = Target.Dependency.product(
  name: "HummingbirdTesting", package: "hummingbird")
let serviceLifecycle = Target.Dependency.product(
  name: "ServiceLifecycle", package: "swift-service-lifecycle")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let prometheus = Target.Dependency.product(name: "Prometheus", package: "swift-prometheus")
let postgres = Target.Dependency.product(name: "PostgresNIO", package: "postgres-nio")
let otel = Target.Dependency.product(name: "OTel", package: "swift-otel")
let tracing = Target.Dependency.product(name: "Tracing", package: "swift-distributed-tracing")

let package = Package(
  name: "tailguard",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "tailguard", targets: ["tailguard"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
    .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
    .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
    .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    // The server (`tailguard serve`, TailguardServer).
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    // Traces over OTLP/HTTP only: the default traits also build the gRPC exporter (grpc-swift).
    .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
    .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
  ],
  targets: [
    // zlib from the system (headers present on every machine of this kind).
    .systemLibrary(name: "CZlib", path: "Sources/CZlib"),

    .target(name: "TailguardModel"),
    .target(name: "ByteFormats", dependencies: ["CZlib", crypto]),
    .target(
      name: "ImageSources",
      dependencies: ["TailguardModel", "ByteFormats", httpClient, nioCore, nioHTTP1, nioSSL]),
    .target(name: "FileTrees", dependencies: ["TailguardModel", "ByteFormats"]),
    .target(
      name: "Catalogers", dependencies: ["TailguardModel", "FileTrees", "ByteFormats", grdb]),
    .target(name: "VersionSchemes", dependencies: ["TailguardModel"]),
    .target(
      name: "Advisories",
      dependencies: ["TailguardModel", "ByteFormats", grdb, yams, httpClient, nioCore, nioHTTP1],
      resources: [.embedInCode("Resources/starter-set.json")]),
    .target(name: "Matching", dependencies: ["TailguardModel", "VersionSchemes", "Advisories"]),
    .target(name: "Scoring", dependencies: ["TailguardModel"]),
    .target(
      name: "Fleet",
      dependencies: ["TailguardModel", "ByteFormats", "ImageSources", "Scoring", yams],
      resources: [.embedInCode("Resources/eol-distros.json")]),
    // ByteFormats is no domain module: the shared lower layer (hex, bounded file reads).
    .target(name: "Rego", dependencies: ["ByteFormats", yams, crypto]),
    .target(
      name: "Policy", dependencies: ["TailguardModel", "ByteFormats", "Rego"],
      // Each built-in pack's Rego and its tests, embedded in the binary (no resource bundle).
      resources: [
        .embedInCode("Packs/digest_pinned.rego"),
        .embedInCode("Packs/digest_pinned_test.rego"),
        .embedInCode("Packs/fips.rego"),
        .embedInCode("Packs/fips_test.rego"),
        .embedInCode("Packs/lib.rego"),
        .embedInCode("Packs/max_image_age.rego"),
        .embedInCode("Packs/max_image_age_test.rego"),
        .embedInCode("Packs/max_severity.rego"),
        .embedInCode("Packs/max_severity_test.rego"),
        .embedInCode("Packs/no_fixable_critical.rego"),
        .embedInCode("Packs/no_fixable_critical_test.rego"),
        .embedInCode("Packs/no_kev.rego"),
        .embedInCode("Packs/no_kev_test.rego"),
        .embedInCode("Packs/no_latest_tag.rego"),
        .embedInCode("Packs/no_latest_tag_test.rego"),
        .embedInCode("Packs/no_shell_or_package_manager.rego"),
        .embedInCode("Packs/no_shell_or_package_manager_test.rego"),
        .embedInCode("Packs/non_root_user.rego"),
        .embedInCode("Packs/non_root_user_test.rego"),
        .embedInCode("Packs/signed_image.rego"),
        .embedInCode("Packs/signed_image_test.rego"),
      ]),
    .target(
      name: "Signatures",
      dependencies: [
        "TailguardModel", "ByteFormats", "ImageSources", crypto, x509, asn1,
        .product(name: "_CryptoExtras", package: "swift-crypto"),
      ]),
    .target(name: "SBOMFormats", dependencies: ["TailguardModel", "ByteFormats"]),
    // Fix plans from reports, base-image tag lines, OS package patch layers (issue 20). It reads
    // Debian control paragraphs with the dpkg cataloger's parser rather than a second copy.
    .target(
      name: "Remediation",
      dependencies: ["TailguardModel", "VersionSchemes", "ByteFormats", "Catalogers"]),
    .target(name: "Reports", dependencies: ["TailguardModel"]),
    .target(
      name: "Scanner",
      dependencies: [
        "TailguardModel", "ByteFormats", "ImageSources", "FileTrees", "Catalogers",
        "VersionSchemes", "Advisories", "Matching", "Scoring", "Fleet", "Rego", "Policy",
        "Signatures", "SBOMFormats", "Reports", "Remediation", yams,
        // Spans around the pipeline's stages (no-op unless the server bootstraps a tracer).
        tracing,
      ]),
    // The long-running server over the pipeline API: store, queue, re-match, HTTP API.
    .target(
      name: "TailguardServer",
      dependencies: [
        "Scanner", "TailguardModel", "SBOMFormats", "ByteFormats", "ImageSources", grdb, postgres,
        // The dashboard: the dependency graph and the one HTML escaping function.
        "Reports",
        // Admission: the policies of `scan --policy` over the stored facts.
        "Policy", "Rego",
        hummingbird, hummingbirdTLS, serviceLifecycle, logging, prometheus, nioCore, nioSSL, yams,
        x509, asn1,
        // The webhook dispatcher: HMAC signatures and the outgoing HTTP client.
        crypto, httpClient, nioHTTP1,
        // Traces over OTLP/HTTP when configured (otel.endpoint / --otel-endpoint).
        otel, tracing,
      ],
      // The OpenAPI 3.1 document of the API, served at GET /api/v1/openapi.json; the dashboard's
      // stylesheet and script, served at /assets/.
      resources: [
        .embedInCode("Resources/openapi.json"), .embedInCode("Resources/dashboard.css"),
        .embedInCode("Resources/dashboard.js"),
      ]),
    .executableTarget(
      name: "tailguard",
      dependencies: [
        "Scanner", "TailguardModel", "SBOMFormats", "Reports", "TailguardServer",
        argumentParser,
      ]),
    // The matching benchmark behind bench/match-bench.sh (not part of the tool).
    .executableTarget(
      name: "tailguard-bench",
      dependencies: [
        "Advisories", "Matching", "TailguardModel", "TailguardServer", "Scanner", "Reports",
        logging,
      ],
      path: "Sources/tailguard-bench"),

    .target(
      name: "TailguardTesting",
      dependencies: ["ByteFormats", "ImageSources", crypto],
      path: "Tests/TailguardTesting"),

    .testTarget(name: "TailguardModelTests", dependencies: ["TailguardModel"]),
    .testTarget(name: "ByteFormatsTests", dependencies: ["ByteFormats", "TailguardTesting"]),
    .testTarget(
      name: "ImageSourcesTests",
      dependencies: [
        "ImageSources", "FileTrees", "ByteFormats", "TailguardModel", "TailguardTesting",
      ]),
    .testTarget(
      name: "FileTreesTests",
      dependencies: ["FileTrees", "ByteFormats", "TailguardModel", "TailguardTesting"]),
    .testTarget(
      name: "CatalogersTests",
      dependencies: [
        "Catalogers", "FileTrees", "ByteFormats", "TailguardModel", "TailguardTesting",
      ],
      exclude: ["Fixtures"]),
    .testTarget(
      name: "VersionSchemesTests",
      dependencies: ["VersionSchemes", "TailguardModel", "TailguardTesting"], exclude: ["Vectors"]),
    .testTarget(
      name: "AdvisoriesTests", dependencies: ["Advisories", "TailguardModel", "TailguardTesting"]),
    .testTarget(
      name: "MatchingTests",
      dependencies: ["Matching", "Advisories", "TailguardModel", "TailguardTesting"]),
    .testTarget(
      name: "ScoringTests", dependencies: ["Scoring", "TailguardModel", "TailguardTesting"]),
    .testTarget(
      name: "FleetTests", dependencies: ["Fleet", "TailguardModel", "TailguardTesting"],
      exclude: ["Fixtures"]),
    .testTarget(
      name: "RegoTests", dependencies: ["Rego", "TailguardTesting"],
      exclude: ["Fixtures"]),
    .testTarget(
      name: "PolicyTests", dependencies: ["Policy", "Rego", "TailguardModel", "TailguardTesting"]),
    .testTarget(
      name: "SignaturesTests",
      dependencies: ["Signatures", "TailguardTesting", crypto, x509, asn1],
      exclude: ["Fixtures"]),
    .testTarget(
      name: "SBOMFormatsTests", dependencies: ["SBOMFormats", "TailguardModel", "TailguardTesting"]),
    .testTarget(
      name: "ReportsTests", dependencies: ["Reports", "TailguardModel", "TailguardTesting"]),
    .testTarget(
      name: "RemediationTests",
      dependencies: [
        "Remediation", "Scanner", "Advisories", "ImageSources", "ByteFormats", "Catalogers",
        "Fleet",
        "Reports", "TailguardModel", "TailguardTesting",
      ]),
    .testTarget(
      name: "SignatureIntegrationTests",
      dependencies: [
        "Scanner", "Signatures", "ImageSources", "Policy", "Rego", "TailguardModel",
        "TailguardTesting",
        crypto, x509, asn1,
      ]),
    .testTarget(
      name: "ScannerTests",
      dependencies: [
        "Scanner", "Advisories", "ImageSources", "FileTrees", "Fleet", "SBOMFormats", "Reports",
        "TailguardModel", "TailguardTesting",
      ],
      exclude: ["Golden"]),
    .testTarget(
      name: "TailguardServerTests",
      dependencies: [
        "TailguardServer", "Scanner", "TailguardModel", "TailguardTesting", grdb, hummingbird,
        "ImageSources", hummingbirdTesting, logging, httpClient, nioCore, nioSSL, x509,
        serviceLifecycle, tracing,
      ]),
  ],
  swiftLanguageModes: [.v6]
)
