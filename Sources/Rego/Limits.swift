/// Evaluation budget. Hostile policies or inputs stop with `limitExceeded`
/// instead of running away with CPU, memory or the stack.
public struct Limits: Sendable, Hashable {
  /// Maximum nesting of rule/function evaluations.
  public var maxCallDepth: Int
  /// Maximum evaluation steps (literals and iterations) per query.
  public var maxSteps: Int
  /// Wall-clock budget per query, in nanoseconds.
  public var timeoutNanoseconds: UInt64
  /// Maximum elements in any collection a builtin or comprehension builds.
  public var maxCollectionSize: Int
  /// Maximum length in bytes of a string a builtin builds.
  public var maxStringBytes: Int
  /// Maximum nesting depth of values decoded from JSON/YAML.
  public var maxValueDepth: Int

  public init(
    maxCallDepth: Int = 400, maxSteps: Int = 50_000_000,
    timeoutNanoseconds: UInt64 = 30_000_000_000, maxCollectionSize: Int = 5_000_000,
    maxStringBytes: Int = 64 << 20, maxValueDepth: Int = 512
  ) {
    self.maxCallDepth = maxCallDepth
    self.maxSteps = maxSteps
    self.timeoutNanoseconds = timeoutNanoseconds
    self.maxCollectionSize = maxCollectionSize
    self.maxStringBytes = maxStringBytes
    self.maxValueDepth = maxValueDepth
  }
}
