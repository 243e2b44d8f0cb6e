import AsyncHTTPClient
import ByteFormats
import Foundation
import NIOCore
import TailguardModel

/// A blob as an `AsyncSequence` of byte chunks, straight from the HTTP response into the
/// consumer (a layer reader decompressing tar entries), with no temporary copy of the layer.
///
/// The digest is computed as chunks pass; the sequence ends normally only when every byte has
/// arrived and matches the digest (and the declared size). Otherwise the last `next()` throws
/// `digestMismatch`, so a consumer must treat what it read as unverified until the sequence ends.
/// A connection dropped mid-body is resumed with `Range: bytes=N-` (206), or by re-reading and
/// skipping N bytes when the server ignores ranges (200), within the client's retry policy.
/// With a `tee`, the bytes are also written to the cache and committed only once verified.
public struct RegistryBlobStream: AsyncSequence, Sendable {
  public typealias Element = [UInt8]

  let client: RegistryClient
  public let registry: String
  public let repository: String
  public let digest: Digest
  public let size: Int64?
  public let reference: String
  let tee: BlobCache.PendingWrite?

  public func makeAsyncIterator() -> Iterator {
    Iterator(stream: self)
  }

  public final class Iterator: AsyncIteratorProtocol {
    let stream: RegistryBlobStream
    var offset: Int64 = 0
    var hasher = BlobHasher.sha256()
    var body: HTTPClientResponse.Body.AsyncIterator?
    /// Bytes still to discard after a restart that the server answered without honouring Range.
    var skip: Int64 = 0
    var failures = 0
    var finished = false
    /// How many times the transfer resumed (exposed for tests and benchmarks).
    public private(set) var resumes = 0
    /// Start of the current run of failures without progress: the retry budget applies to
    /// stalls, not to the time a large layer legitimately takes to download.
    var failingSince: ContinuousClock.Instant?
    var rng = SystemRandomNumberGenerator()

    init(stream: RegistryBlobStream) { self.stream = stream }

    deinit {
      if !finished { stream.tee?.discard() }
    }

    public func next() async throws -> [UInt8]? {
      try await nextChunk()
    }

    func fail(_ error: RegistryError) -> RegistryError {
      finished = true
      stream.tee?.discard()
      return error
    }

    func nextChunk() async throws(RegistryError) -> [UInt8]? {
      guard !finished else { return nil }
      guard stream.digest.algorithm == "sha256" else {
        throw fail(
          RegistryError(
            .invalidResponse, reference: stream.reference,
            "blob digest algorithm \(stream.digest.algorithm) is not supported for streaming"))
      }
      while true {
        if body == nil { try await open() }
        do {
          guard var buffer = try await body?.next() else {
            return try finish()
          }
          if skip > 0 {
            let drop = Int(Swift.min(skip, Int64(buffer.readableBytes)))
            buffer.moveReaderIndex(forwardBy: drop)
            skip -= Int64(drop)
            if buffer.readableBytes == 0 { continue }
          }
          let chunk = Array(buffer.readableBytesView)
          failingSince = nil
          failures = 0
          offset += Int64(chunk.count)
          if let size = stream.size, offset > size {
            throw fail(
              RegistryError(
                .digestMismatch, reference: stream.reference,
                "blob \(stream.digest) is longer than its declared \(size) bytes"))
          }
          hasher.update(chunk)
          if let tee = stream.tee {
            do { try tee.append(chunk) } catch { throw fail(error) }
          }
          return chunk
        } catch let e as RegistryError {
          throw e
        } catch {
          // Dropped or stalled mid-body: resume from `offset`.
          body = nil
          let (mapped, retryable) = RegistryClient.classify(error, ref: stream.reference)
          guard retryable, resumes < 100 else { throw fail(mapped) }
          failures += 1
          let since = failingSince ?? ContinuousClock.now
          failingSince = since
          do {
            try await stream.client.backoff(
              attempt: failures, retryAfter: nil, started: since,
              policy: stream.client.configuration.retry,
              rng: &rng, last: mapped)
          } catch { throw fail(error) }
          resumes += 1
        }
      }
    }

    func open() async throws(RegistryError) {
      let base = stream.client.baseURL(registry: stream.registry)
      let url = "\(base)/v2/\(stream.repository)/blobs/\(stream.digest)"
      var headers: [(String, String)] = []
      if offset > 0 { headers.append(("Range", "bytes=\(offset)-")) }
      let response: HTTPClientResponse
      do {
        response = try await stream.client.send(
          .GET, url: url, registry: stream.registry,
          scope: RegistryClient.pullScope(stream.repository),
          ref: stream.reference, headers: headers, expect: [200, 206], timeout: .seconds(24 * 3600))
      } catch {
        throw fail(error)
      }
      if offset > 0, response.status.code == 206 {
        // Content-Range must start where we asked; anything else would corrupt the stream.
        let range = response.headers.first(name: "Content-Range") ?? ""
        guard range.hasPrefix("bytes \(offset)-") else {
          throw fail(
            RegistryError(
              .invalidResponse, reference: stream.reference,
              "resumed read answered with Content-Range '\(range.prefix(80))', expected from \(offset)"
            ))
        }
        skip = 0
      } else {
        // 200: the whole blob again. What was already hashed and handed out stays; the first
        // `offset` bytes of the new body are discarded.
        skip = offset
      }
      body = response.body.makeAsyncIterator()
    }

    func finish() throws(RegistryError) -> [UInt8]? {
      finished = true
      if let size = stream.size, offset != size {
        stream.tee?.discard()
        throw RegistryError(
          .digestMismatch, reference: stream.reference,
          "blob \(stream.digest) ended after \(offset) of its declared \(size) bytes")
      }
      let hex = hasher.hex()
      guard hex == stream.digest.hex else {
        stream.tee?.discard()
        throw RegistryError(
          .digestMismatch, reference: stream.reference,
          "blob content has digest sha256:\(hex), expected \(stream.digest)")
      }
      if let tee = stream.tee {
        try tee.commit(verified: stream.digest)
      }
      return nil
    }
  }
}
