import Fleet
import Foundation
import TailguardTesting
import Testing

/// Extraction checked against expectations read by hand from 22 corpus files across all five
/// kinds (each line below was compared with the file: line number, text as written, class and
/// replicas). A missing or extra reference in any of these files fails the test.
struct HandVerifiedSampleTests {
  struct Expected: Sendable, CustomStringConvertible {
    var line: Int
    var reference: String
    var cls: ReferenceClass
    var replicas: Int?
    var replicasSource: String?
    var resolved: String? = nil
    var description: String {
      "\(line) \(reference) \(cls.rawValue) \(replicas.map(String.init) ?? "nil")"
    }
  }

  static func e(
    _ line: Int, _ ref: String, _ cls: ReferenceClass, _ replicas: Int? = nil, _ src: String? = nil,
    resolved: String? = nil
  ) -> Expected {
    Expected(
      line: line, reference: ref, cls: cls, replicas: replicas, replicasSource: src,
      resolved: resolved)
  }

  static let gke = "GoogleCloudPlatform__kubernetes-engine-samples/"
  static let sample: [(String, [Expected])] = [
    // Dockerfiles
    (
      "docker__awesome-compose/nginx-flask-mysql/backend/Dockerfile",
      [
        e(2, "python:3.10-alpine", .tag), e(20, "builder", .stage),
        e(33, "gloursdocker/docker", .untagged),
      ]
    ),
    (
      "docker__awesome-compose/flask/app/Dockerfile",
      [
        e(2, "python:3.10-alpine", .tag), e(15, "builder", .stage),
        e(27, "gloursdocker/docker", .untagged),
      ]
    ),
    (
      gke + "quickstarts/guestbook/php-redis/Dockerfile",
      [e(14, "php:7.4-apache-buster", .tag), e(16, "composer:2", .tag)]
    ),
    (
      "GoogleCloudPlatform__microservices-demo/src/loadgenerator/Dockerfile",
      [
        e(
          18,
          "python:3.14.6-alpine@sha256:26730869004e2b9c4b9ad09cab8625e81d256d1ce97e72df5520e806b1709f92",
          .digest),
        e(20, "base", .stage), e(33, "base", .stage),
      ]
    ),
    ("nektos__act/pkg/container/testdata/Dockerfile", [e(1, "scratch", .scratch)]),
    (
      "kubernetes__examples/web/guestbook-go/Dockerfile",
      [e(15, "golang:1.10.0", .tag), e(23, "scratch", .scratch)]
    ),
    (
      gke + "hpc/mpi/Dockerfile",
      [
        e(
          16,
          "spack/rockylinux8:sha256:c530b10099eeedad9d384ffc7419f355d93289b2e615143256186406ee04e275",
          .invalid),
        e(61, "rockylinux:8.9", .tag),
      ]
    ),
    (
      gke + "ai-ml/t5-model-serving/model/Dockerfile",
      [
        e(17, "alpine/git", .untagged),
        e(26, "${BASE_IMAGE}", .variable, resolved: "pytorch/torchserve:0.12.0-cpu"),
        e(50, "${BASE_IMAGE}", .variable, resolved: "pytorch/torchserve:0.12.0-cpu"),
      ]
    ),
    (
      "jessfraz__dockerfiles/wireguard/tools/Dockerfile",
      [
        e(1, "debian:sid-slim", .tag), e(11, "r.j3ss.co/wireguard:install", .tag),
        e(12, "r.j3ss.co/wireguard:install", .tag),
      ]
    ),
    // Kubernetes
    (
      gke + "observability/elastic-stack-tutorial/max-map-count-setter-ds.yaml",
      [
        e(48, "docker.io/bash:5.2.15", .tag, nil, "per-node"),
        e(64, "docker.io/bash:5.2.15", .tag, nil, "per-node"),
      ]
    ),
    (
      gke
        + "cost-optimization/gke-scheduled-autoscaler/k8s/scheduled-autoscaler/scheduled-autoscale-example.yaml",
      [
        e(
          29,
          "us-central1-docker.pkg.dev/PROJECT_ID/gke-scheduled-autoscaler/custom-metric-exporter",
          .variable, 1, "default"),
        e(
          49,
          "us-central1-docker.pkg.dev/PROJECT_ID/gke-scheduled-autoscaler/custom-metric-exporter",
          .variable, 1, "default"),
      ]
    ),
    (
      gke + "ai-ml/gke-tpu-dynamic-slicing/tpu-job-jax-v7x-64.yaml",
      [e(49, "python:3.12", .tag, 16, "parallelism")]
    ),
    (
      "GoogleCloudPlatform__microservices-demo/kubernetes-manifests/loadgenerator.yaml",
      [
        e(
          67,
          "busybox:1.38.0@sha256:fd8d9aa63ba2f0982b5304e1ee8d3b90a210bc1ffb5314d980eb6962f1a9715d",
          .digest, 1, "explicit"),
        e(80, "loadgenerator", .untagged, 1, "explicit"),
      ]
    ),
    (gke + "ai-ml/llm-serving-gemma/tgi/tgi-2b-parallel/patch.yaml", []),
    // Compose
    (
      "docker__awesome-compose/pihole-cloudflared-DoH/compose.yaml",
      [
        e(4, "visibilityspots/cloudflared", .untagged, 1, "default"),
        e(20, "pihole/pihole:latest", .latest, 1, "default"),
      ]
    ),
    (
      "docker__awesome-compose/postgresql-pgadmin/compose.yaml",
      [
        e(4, "postgres:latest", .latest, 1, "default"),
        e(15, "dpage/pgadmin4:latest", .latest, 1, "default"),
      ]
    ),
    (
      "docker__awesome-compose/plex/compose.yaml",
      [e(3, "linuxserver/plex", .untagged, 1, "default")]
    ),
    ("docker__awesome-compose/angular/compose.yaml", []),
    // Helm values
    (
      "bitnami__charts/bitnami/redis/values.yaml",
      [
        e(116, "docker.io/bitnami/redis:8.2.1-debian-12-r0", .tag, nil, "unknown"),
        e(1188, "docker.io/bitnami/redis-sentinel:8.2.1-debian-12-r0", .tag, nil, "unknown"),
        e(1790, "docker.io/bitnami/redis-exporter:1.76.0-debian-12-r0", .tag, nil, "unknown"),
        e(2168, "docker.io/bitnami/os-shell:12-debian-12-r51", .tag, nil, "unknown"),
        e(2232, "docker.io/bitnami/kubectl:1.33.4-debian-12-r0", .tag, nil, "unknown"),
        e(2301, "docker.io/bitnami/os-shell:12-debian-12-r51", .tag, nil, "unknown"),
      ]
    ),
    (
      "GoogleCloudPlatform__microservices-demo/helm-chart/values.yaml",
      [
        e(
          20, "us-central1-docker.pkg.dev/online-boutique-ci/microservices-demo", .variable, nil,
          "unknown")
      ]
    ),
    // GitHub Actions
    (
      "nektos__act/pkg/runner/testdata/uses-docker-url/push.yml",
      [
        e(8, "node:16-buster-slim", .tag, 1, "job"), e(12, "node:16-buster-slim", .tag, 1, "job"),
        e(15, "node:16-buster-slim", .tag, 1, "job"), e(19, "node:16-buster-slim", .tag, 1, "job"),
      ]
    ),
    (
      "nektos__act/pkg/runner/testdata/services-with-container/push.yml",
      [e(8, "ubuntu:latest", .latest, 1, "job"), e(11, "nginx:latest", .latest, 1, "job")]
    ),
    (
      "nektos__act/pkg/runner/testdata/job-container/push.yml",
      [e(8, "node:16-buster-slim", .tag, 1, "job"), e(16, "node:16-buster-slim", .tag, 1, "job")]
    ),
  ]

  @Test(.enabled(if: Oracles.gate(CorpusParseTests.available), "needs ../shared/data/fleet"))
  func sampleMatchesHandReading() {
    #expect(Self.sample.count >= 20)
    let scanner = FleetScanner()
    for (relative, expected) in Self.sample {
      let path = SharedData.path("fleet/corpus/" + relative)
      let inv = scanner.scan([path])
      #expect(inv.diagnostics.isEmpty, "\(relative): \(inv.diagnostics)")
      let got = inv.references
      #expect(
        got.count == expected.count, "\(relative): \(got.map { "\($0.line) \($0.reference)" })")
      for (g, x) in zip(got, expected) {
        #expect(g.file == path)
        #expect(g.line == x.line, "\(relative): \(x)")
        #expect(g.reference == x.reference, "\(relative): \(x)")
        #expect(g.class == x.cls, "\(relative): \(x) got \(g.class)")
        if g.source != .dockerfile {
          #expect(g.replicas == x.replicas, "\(relative): \(x)")
          #expect(g.replicasSource == x.replicasSource, "\(relative): \(x)")
        }
        if let r = x.resolved { #expect(g.resolved == r, "\(relative): \(x)") }
      }
    }
  }
}
