import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import TailguardServer
import TailguardTesting
import Testing

/// Traces over OTLP/HTTP: a server configured with `otel.endpoint` indexes a real image and a
/// real OTLP/HTTP receiver on loopback gets protobuf export requests with the stage spans.
///
/// The tracer is process-global and swift-otel bootstraps it once per process, so this is the
/// only test that configures an endpoint: `ServerTracing` bootstraps on the first configured
/// server and hands it the exporting service. Every other server in the test process runs
/// without an endpoint and bootstraps nothing; while this test's exporter runs, their spans come
/// to this receiver too (the tracer is global), so the assertions follow this test's own trace
/// (its image digest) and never count all spans. After this test's server stops, the exporter is
/// shut down and later spans of other tests are dropped.
@Suite(.serialized)
struct ServerTracingTests {
  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable)), .timeLimit(.minutes(5)))
  func indexingExportsStageSpansOverOTLPHTTP() async throws {
    let harness = try ServerHarness(
      advisories: ["advisories/pypa-osv-json/jinja2"], prefix: "tailguard-otel")
    let token = "query-token-must-not-leak"
    let secret = "hook-secret-must-not-leak-0123456789"
    let receiver = OTLPReceiver()
    try await receiver.run { port in
      var configuration = harness.configuration()
      let endpoint = "http://127.0.0.1:\(port)"  // a base URL: /v1/traces is appended
      configuration.otel = OTelSettings(endpoint: endpoint)
      configuration.webhookDelivery = .testing
      configuration.webhooks = [
        WebhookConfiguration(
          url: "http://127.0.0.1:\(port)/hook?token=\(token)", secret: secret,
          events: [.imageIndexed])
      ]
      try await harness.run(configuration) { client in
        #expect(
          ServerTracing.bootstrappedEndpoint == endpoint,
          "another server in this test process bootstrapped tracing first")
        let (_, digest) = try await client.submit("oci:\(ServerHarness.layout):planted")
        await receiver.recorder.setDigest(digest)
        #expect(try await client.waitIndexed(digest)["status"] as? String == "indexed")
        // The notification's span ends before its outcome is counted: wait for the count.
        _ = try await receiver.recorder.waitHook()
        let deadline = ContinuousClock.now + .seconds(30)
        var delivered = false
        while !delivered, ContinuousClock.now < deadline {
          let metrics = try await client.get("/metrics", role: nil).text
          delivered = metrics.contains(#"tailguard_notifications_total{outcome="delivered"} 1"#)
          if !delivered { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(delivered)
      }
    }
    // The server's service group has shut down: the exporter flushed what was left.
    let recorder = receiver.recorder
    let bodies = await recorder.traceBodies
    #expect(!bodies.isEmpty, "no POST /v1/traces")
    #expect(await recorder.contentTypes.allSatisfy { $0 == "application/x-protobuf" })
    let digest = try #require(await recorder.digest)

    var resources: [[String: OTLPValue]] = []
    var spans: [OTLPSpan] = []
    for body in bodies {
      let request = try OTLP.decodeExportRequest(body)
      resources += request.map(\.resource)
      spans += request.flatMap(\.spans)
    }
    #expect(resources.contains { $0["service.name"] == .string("tailguard") }, "\(resources)")

    // index: one per job; this test's carries its digest.
    let index = try #require(
      spans.first {
        $0.name == "index" && $0.attributes["tailguard.image.digest"] == .string(digest)
      },
      "\(spans.map(\.name))")
    #expect(index.attributes["tailguard.job.id"] != nil)
    #expect(index.statusCode != 2)
    for stage in ["fetch", "catalogue", "match", "store"] {
      let child = spans.first { $0.name == stage && $0.parentSpanID == index.spanID }
      #expect(child != nil, "no \(stage) span under index: \(spans.map(\.name))")
      #expect(child?.traceID == index.traceID)
    }
    #expect(spans.contains { $0.name == "resolve" })
    // The start-up re-match (a fresh database has no tool version yet).
    #expect(
      spans.contains {
        $0.name == "rematch" && $0.attributes["tailguard.rematch.keys_changed"] != nil
      })
    // notify: event and status, never the URL's query or the secret.
    let notify = spans.first {
      $0.name == "notify" && $0.attributes["tailguard.webhook.event"] == .string("image.indexed")
    }
    #expect(notify?.attributes["http.response.status_code"] == .int(200), "\(spans.map(\.name))")
    let all = bodies.reduce(into: Data()) { $0.append($1) }
    #expect(all.range(of: Data(token.utf8)) == nil)
    #expect(all.range(of: Data(secret.utf8)) == nil)
  }
}

/// `--otel-endpoint` and `otel.endpoint`: the flag wins, both are checked, and the traces URL
/// (no tracer is bootstrapped here).
struct ServerTracingConfigurationTests {
  @Test func theFlagWinsOverTheFileAndIsChecked() throws {
    let dir = try ServerConfigFileTests.ConfigDir()
    try dir.write("tailguard.yaml", "otel:\n  endpoint: http://from-file:4318\n")
    var c = try ServerConfiguration.resolve(flags: ServeFlags(config: dir.path), environment: [:])
    #expect(c.otel == OTelSettings(endpoint: "http://from-file:4318"))
    c = try ServerConfiguration.resolve(
      flags: ServeFlags(config: dir.path, otelEndpoint: "https://flag:4318"), environment: [:])
    #expect(c.otel == OTelSettings(endpoint: "https://flag:4318"))
    c = try ServerConfiguration.resolve(flags: ServeFlags(), environment: [:])
    #expect(c.otel == nil)
    for bad in ["collector:4318", "ftp://x", "http://", ""] {
      #expect(throws: ServerConfigError.self, "\(bad)") {
        try ServerConfiguration.resolve(flags: ServeFlags(otelEndpoint: bad), environment: [:])
      }
    }
  }

  @Test func aBaseURLGetsTheTracesPath() {
    #expect(ServerTracing.tracesURL("http://c:4318") == "http://c:4318/v1/traces")
    #expect(ServerTracing.tracesURL("http://c:4318/") == "http://c:4318/v1/traces")
    #expect(ServerTracing.tracesURL("https://c/otlp/v1/traces") == "https://c/otlp/v1/traces")
  }
}

// MARK: - A real OTLP/HTTP receiver

/// What the receiver heard.
actor OTLPRecorder {
  private(set) var traceBodies: [Data] = []
  private(set) var contentTypes: [String] = []
  private(set) var hooks: [Data] = []
  private(set) var digest: String?

  func trace(_ body: Data, contentType: String) {
    traceBodies.append(body)
    contentTypes.append(contentType)
  }
  func hook(_ body: Data) { hooks.append(body) }
  func setDigest(_ digest: String) { self.digest = digest }

  func waitHook(seconds: Double = 60) async throws -> Data {
    let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < end {
      if let hook = hooks.first { return hook }
      try await Task.sleep(for: .milliseconds(20))
    }
    throw WaitTimeout(what: "a webhook delivery")
  }
}

/// `POST /v1/traces` answered as a collector does (200, an empty protobuf
/// `ExportTraceServiceResponse`), and `POST /hook` (a webhook destination) answered 200.
struct OTLPReceiver: Sendable {
  let recorder = OTLPRecorder()

  func run(_ body: @Sendable (_ port: Int) async throws -> Void) async throws {
    let recorder = self.recorder
    let router = Router()
    router.post("v1/traces") { request, _ -> Response in
      let bytes = try await request.body.collect(upTo: 16 << 20)
      await recorder.trace(
        Data(bytes.readableBytesView), contentType: request.headers[.contentType] ?? "")
      return Response(
        status: .ok, headers: [.contentType: "application/x-protobuf"],
        body: ResponseBody(byteBuffer: ByteBuffer()))
    }
    router.post("hook") { request, _ -> Response in
      let bytes = try await request.body.collect(upTo: 1 << 20)
      await recorder.hook(Data(bytes.readableBytesView))
      return Response(status: .ok)
    }
    var logger = Logger(label: "tailguard.otlp.receiver")
    logger.logLevel = .warning
    let app = Application(
      router: router,
      configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
      logger: logger)
    try await app.test(.live) { client in
      try await body(try #require(client.port))
    }
  }
}

// MARK: - Just enough protobuf to read OTLP trace exports

enum OTLPValue: Hashable, Sendable {
  case string(String)
  case int(Int64)
  case bool(Bool)
  case other
}

struct OTLPSpan: Sendable {
  var traceID = Data()
  var spanID = Data()
  var parentSpanID = Data()
  var name = ""
  var attributes: [String: OTLPValue] = [:]
  /// 0 unset, 1 ok, 2 error.
  var statusCode: UInt64 = 0
}

/// A reader of the protobuf wire format over the OTLP trace messages (opentelemetry-proto
/// `collector/trace/v1`, `trace/v1`, `common/v1`, `resource/v1`): swift-otel keeps its generated
/// types internal.
enum OTLP {
  struct Malformed: Error { var why: String }

  enum Field {
    case varint(UInt64)
    case bytes(Data)
    case fixed
  }

  /// The fields of one message, in order: (number, value).
  static func fields(_ data: Data) throws -> [(Int, Field)] {
    let bytes = [UInt8](data)
    var i = 0
    func varint() throws -> UInt64 {
      var value: UInt64 = 0
      var shift: UInt64 = 0
      while true {
        guard i < bytes.count, shift < 64 else { throw Malformed(why: "varint") }
        let b = bytes[i]
        i += 1
        value |= UInt64(b & 0x7F) << shift
        if b & 0x80 == 0 { return value }
        shift += 7
      }
    }
    var out: [(Int, Field)] = []
    while i < bytes.count {
      let key = try varint()
      let number = Int(key >> 3)
      switch key & 7 {
      case 0: out.append((number, .varint(try varint())))
      case 1:
        guard i + 8 <= bytes.count else { throw Malformed(why: "fixed64") }
        i += 8
        out.append((number, .fixed))
      case 2:
        let length = Int(try varint())
        guard length >= 0, i + length <= bytes.count else { throw Malformed(why: "length") }
        out.append((number, .bytes(Data(bytes[i..<(i + length)]))))
        i += length
      case 5:
        guard i + 4 <= bytes.count else { throw Malformed(why: "fixed32") }
        i += 4
        out.append((number, .fixed))
      default: throw Malformed(why: "wire type \(key & 7)")
      }
    }
    return out
  }

  static func messages(_ data: Data, _ number: Int) throws -> [Data] {
    try fields(data).compactMap { n, f in
      if n == number, case .bytes(let d) = f { return d }
      return nil
    }
  }

  static func string(_ data: Data, _ number: Int) throws -> String {
    try messages(data, number).last.map { String(decoding: $0, as: UTF8.self) } ?? ""
  }

  /// KeyValue { 1 key, 2 AnyValue { 1 string, 2 bool, 3 int } }.
  static func attributes(_ keyValues: [Data]) throws -> [String: OTLPValue] {
    var out: [String: OTLPValue] = [:]
    for kv in keyValues {
      let key = try string(kv, 1)
      var value = OTLPValue.other
      if let any = try messages(kv, 2).last {
        for (n, f) in try fields(any) {
          switch (n, f) {
          case (1, .bytes(let d)): value = .string(String(decoding: d, as: UTF8.self))
          case (2, .varint(let v)): value = .bool(v != 0)
          case (3, .varint(let v)): value = .int(Int64(bitPattern: v))
          default: break
          }
        }
      }
      out[key] = value
    }
    return out
  }

  /// ExportTraceServiceRequest { 1 ResourceSpans { 1 Resource { 1 attributes }, 2 ScopeSpans {
  /// 2 Span } } }.
  static func decodeExportRequest(_ data: Data) throws -> [(
    resource: [String: OTLPValue], spans: [OTLPSpan]
  )] {
    try messages(data, 1).map { resourceSpans in
      let resource = try attributes(
        try messages(resourceSpans, 1).flatMap { try messages($0, 1) })
      let spans = try messages(resourceSpans, 2).flatMap { try messages($0, 2) }.map(Self.span)
      return (resource, spans)
    }
  }

  /// Span { 1 trace_id, 2 span_id, 4 parent_span_id, 5 name, 9 attributes, 15 Status { 3 code } }.
  static func span(_ data: Data) throws -> OTLPSpan {
    var span = OTLPSpan()
    var keyValues: [Data] = []
    for (n, f) in try fields(data) {
      guard case .bytes(let d) = f else { continue }
      switch n {
      case 1: span.traceID = d
      case 2: span.spanID = d
      case 4: span.parentSpanID = d
      case 5: span.name = String(decoding: d, as: UTF8.self)
      case 9: keyValues.append(d)
      case 15:
        for (sn, sf) in try fields(d) {
          if sn == 3, case .varint(let code) = sf { span.statusCode = code }
        }
      default: break
      }
    }
    span.attributes = try attributes(keyValues)
    return span
  }
}
