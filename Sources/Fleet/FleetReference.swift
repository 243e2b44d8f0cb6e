import TailguardModel

/// One place where an image is referenced: the inventory's unit.
///
/// `reference` is the text as written; `resolved` the text after variable substitution
/// (ARG defaults, Compose interpolation, kustomize `images:` overrides), nil when nothing was
/// substituted or a placeholder stays unresolved. `resolvedClass` is the class of `resolved`.
public struct FleetReference: Sendable, Hashable, Codable {
  public var file: String
  public var line: Int
  public var reference: String
  public var resolved: String?
  public var `class`: ReferenceClass
  public var resolvedClass: ReferenceClass?
  public var source: ReferenceSource
  public var workload: WorkloadInfo?
  public var replicas: Int?
  public var replicasSource: String?
  /// Bytes of the reference token in the file, when it is written there literally.
  public var span: ByteSpan?
  /// For a Helm image map with an empty quoted `digest: ""`: the empty place between the
  /// quotes, where `pin fix` writes the digest (the map's other keys stay as they are).
  public var digestSlot: ByteSpan?
  /// For a Kubernetes pod template: what makes it exposed (labels, host access, user).
  public var pod: PodFacts?

  public init(
    file: String, line: Int, reference: String, resolved: String? = nil, class: ReferenceClass,
    resolvedClass: ReferenceClass? = nil, source: ReferenceSource, workload: WorkloadInfo? = nil,
    replicas: Int? = nil, replicasSource: String? = nil, span: ByteSpan? = nil
  ) {
    self.file = file
    self.line = line
    self.reference = reference
    self.resolved = resolved
    self.class = `class`
    self.resolvedClass = resolvedClass
    self.source = source
    self.workload = workload
    self.replicas = replicas
    self.replicasSource = replicasSource
    self.span = span
  }

  /// The class that decides pinning: after substitution when it resolved, else as written.
  public var effectiveClass: ReferenceClass { resolvedClass ?? self.class }

  /// The text that decides pinning.
  public var effectiveText: String { resolved ?? reference }

  /// Parsed reference of the effective text, when it is an image.
  public var image: ImageReference? {
    switch effectiveClass {
    case .digest, .tag, .latest, .untagged: return try? ImageReference(parsing: effectiveText)
    default: return nil
    }
  }

  enum CodingKeys: String, CodingKey {
    case file, line, reference, resolved, `class`, resolvedClass, source, workload, replicas,
      replicasSource
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(file, forKey: .file)
    try c.encode(line, forKey: .line)
    try c.encode(reference, forKey: .reference)
    try c.encode(resolved, forKey: .resolved)
    try c.encode(self.class, forKey: .class)
    try c.encodeIfPresent(resolvedClass, forKey: .resolvedClass)
    try c.encode(source, forKey: .source)
    try c.encode(workload, forKey: .workload)
    try c.encode(replicas, forKey: .replicas)
    try c.encode(replicasSource, forKey: .replicasSource)
  }

  /// Builds a reference from written text and its substituted form, classifying both.
  static func make(
    file: String, line: Int, written: String, substituted: String?, source: ReferenceSource,
    stages: Set<String> = [], workload: WorkloadInfo? = nil, replicas: Int? = nil,
    replicasSource: String? = nil, span: ByteSpan? = nil
  ) -> FleetReference {
    let dockerfile = source == .dockerfile
    let hasVar = Interpolation.containsPlaceholder(written)
    var cls: ReferenceClass
    var resolvedClass: ReferenceClass?
    var resolved: String?
    if hasVar {
      cls = .variable
      if let s = substituted {
        resolved = s
        resolvedClass =
          ReferenceClass.classify(
            s, stages: stages, dockerfile: dockerfile, substituted: true
          ).0
      }
    } else {
      cls = ReferenceClass.classify(written, stages: stages, dockerfile: dockerfile).0
      if let s = substituted, s != written {
        resolved = s
        resolvedClass =
          ReferenceClass.classify(
            s, stages: stages, dockerfile: dockerfile, substituted: true
          ).0
      }
    }
    return FleetReference(
      file: file, line: line, reference: written, resolved: resolved, class: cls,
      resolvedClass: resolvedClass, source: source, workload: workload, replicas: replicas,
      replicasSource: replicasSource, span: hasVar ? nil : span)
  }
}
