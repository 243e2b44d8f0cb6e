/// Bounds on what a decompressor may produce, so a small hostile blob (a "bomb") cannot fill
/// memory or disk. Both bounds are checked as output is produced, never after the fact.
public struct DecompressionLimits: Hashable, Sendable {
  /// Most bytes the stream may expand to in total.
  public var maxOutput: Int64
  /// Most output bytes per input byte. Checked only once the output exceeds `ratioSlack`, so
  /// small, highly repetitive inputs (a file of zeros in a layer) are not refused.
  public var maxRatio: Int64
  /// Output below this size never trips the ratio check.
  public var ratioSlack: Int64

  public init(maxOutput: Int64 = 32 << 30, maxRatio: Int64 = 1_000, ratioSlack: Int64 = 64 << 20) {
    self.maxOutput = maxOutput
    self.maxRatio = maxRatio
    self.ratioSlack = ratioSlack
  }

  /// Defaults for image layers: 32 GiB, ratio 1000:1 after 64 MiB.
  public static let layer = DecompressionLimits()
  /// Defaults for a single small member (a zip entry, a config blob): `limit` bytes, ratio 1000:1 after 1 MiB.
  public static func member(limit: Int64) -> DecompressionLimits {
    DecompressionLimits(maxOutput: limit, maxRatio: 1_000, ratioSlack: 1 << 20)
  }

  /// Throws when `output` bytes produced from `input` bytes break a bound.
  @inlinable
  public func check(input: Int64, output: Int64, offset: Int? = nil) throws(ByteFormatError) {
    if output > maxOutput {
      throw ByteFormatError(
        .limitExceeded,
        "decompressed size exceeds the limit of \(maxOutput) bytes (raise it to read this input)",
        offset: offset)
    }
    if output > ratioSlack && output / max(input, 1) > maxRatio {
      throw ByteFormatError(
        .limitExceeded,
        "decompression ratio exceeds \(maxRatio):1 (\(output) bytes from \(input); raise the limit to read this input)",
        offset: offset)
    }
  }
}
