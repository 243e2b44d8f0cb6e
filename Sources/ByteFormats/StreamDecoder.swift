/// A push-based streaming decompressor: feed input as it arrives (any chunking), receive output
/// in spans of the decoder's own buffer. Spans are valid only during the callback, so callers
/// never hold a whole layer in memory.
///
/// Errors thrown by the decoder are `ByteFormatError`; errors thrown by `sink` propagate as is.
public protocol StreamDecoder {
  /// Decompresses `input`, calling `sink` with each produced span.
  mutating func push(
    _ input: UnsafeRawBufferPointer, into sink: (UnsafeRawBufferPointer) throws -> Void) throws
  /// Declares the end of input; throws when the compressed stream was cut short.
  mutating func finish() throws(ByteFormatError)
  /// Compressed bytes consumed so far.
  var totalIn: Int64 { get }
  /// Decompressed bytes produced so far.
  var totalOut: Int64 { get }
}

extension StreamDecoder {
  /// Convenience over any byte collection (copies only when it is not contiguous).
  public mutating func push(
    _ bytes: some Collection<UInt8>, into sink: (UnsafeRawBufferPointer) throws -> Void
  ) throws {
    if let done: Void = try bytes.withContiguousStorageIfAvailable({ buf in
      try push(UnsafeRawBufferPointer(buf), into: sink)
    }) {
      return done
    }
    let copy = Array(bytes)
    try copy.withUnsafeBytes { try push($0, into: sink) }
  }
}

/// Decoder that passes bytes through unchanged (uncompressed layers), counting them.
public struct PassthroughDecoder: StreamDecoder {
  public private(set) var totalIn: Int64 = 0
  public var totalOut: Int64 { totalIn }
  public init() {}
  public mutating func push(
    _ input: UnsafeRawBufferPointer, into sink: (UnsafeRawBufferPointer) throws -> Void
  ) throws {
    totalIn += Int64(input.count)
    if !input.isEmpty { try sink(input) }
  }
  public mutating func finish() throws(ByteFormatError) {}
}
