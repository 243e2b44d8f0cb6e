import ByteFormats
import TailguardModel

/// File trees of the layer prefixes already read, for a run that reads many images built on the
/// same bases (`fleet scan`): an image whose first layers were read for another image starts
/// from the builder state after them and reads only its own layers. The state after a prefix
/// depends only on those layers' contents, the selectors and the limits, which together are the
/// key. A prefix another image is reading right now is waited for, so a shared base layer is
/// fetched and read once however many jobs run.
public actor LayerPrefixCache {
  struct Key: Hashable {
    var chain: [Digest]
    var selectors: [FileSelector]
    var options: CaptureOptions
    var limits: TarLimits
  }

  /// A builder between two layers: no capture or tar parse in progress, its spooled files kept
  /// alive by their byte sources. Immutable once stored; each user gets its own copy.
  // Unchecked: a value type whose class members are Sendable byte sources and spool owners; the
  // builder is copied in and out whole between layers, never shared mid-layer.
  struct Snapshot: @unchecked Sendable {
    var builder: LayerStackBuilder
  }

  private var entries: [Key: Snapshot] = [:]
  private var order: [Key] = []
  private var inFlight: [Key: [CheckedContinuation<Void, Never>]] = [:]
  public let maxEntries: Int
  /// Prefixes served from the cache (for tests and progress).
  public private(set) var hits = 0

  public init(maxEntries: Int = 64) {
    self.maxEntries = max(1, maxEntries)
  }

  /// The longest stored prefix of `key.chain` (never the whole chain), waiting for prefixes
  /// being read now. Returns the number of layers it covers and its builder.
  func longestPrefix(_ key: Key) async -> (Int, Snapshot)? {
    var length = key.chain.count - 1
    while length > 0 {
      var k = key
      k.chain = Array(key.chain.prefix(length))
      while inFlight[k] != nil {
        await withCheckedContinuation { inFlight[k, default: []].append($0) }
      }
      if let found = entries[k] {
        hits += 1
        order.removeAll { $0 == k }
        order.append(k)
        return (length, found)
      }
      length -= 1
    }
    return nil
  }

  /// Marks a prefix as being read; false when it is stored or being read already.
  func begin(_ key: Key) -> Bool {
    guard entries[key] == nil, inFlight[key] == nil else { return false }
    inFlight[key] = []
    return true
  }

  func store(_ key: Key, _ snapshot: Snapshot) {
    var kept = snapshot.builder
    kept.markerScratch = []  // scratch capacity, not state
    entries[key] = Snapshot(builder: kept)
    order.removeAll { $0 == key }
    order.append(key)
    while order.count > maxEntries { entries[order.removeFirst()] = nil }
    finish(key)
  }

  /// Gives up a prefix (the read failed): whoever waits for it reads it themselves.
  func finish(_ key: Key) {
    for waiter in inFlight.removeValue(forKey: key) ?? [] { waiter.resume() }
  }
}
