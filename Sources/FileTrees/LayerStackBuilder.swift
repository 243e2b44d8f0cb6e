import ByteFormats
import Foundation
import TailguardModel

/// Builds a `LayerStack` from layer tars pushed in order, one streaming pass per layer: tar
/// entries go straight into the compact index; whiteouts (`.wh.name`) and opaque markers
/// (`.wh..wh..opq`) follow the OCI image spec ("Representing Changes"): they hide what lower
/// layers put at that path (or under that directory) and are not themselves files. Regular
/// files some `FileSelector` wants are captured as they stream (in memory up to a threshold,
/// spooled to the scan's temporary directory beyond it), within each selector's `maxSize` and
/// the overall budgets. Device files and FIFOs are recorded but never read.
public struct LayerStackBuilder {
  typealias Node = LayerStack.Node

  public private(set) var layers: [LayerInfo]
  public let selectors: [FileSelector]
  let selectorIndex: SelectorIndex
  public let options: CaptureOptions

  var nodes: [Node] = [
    Node(path: "", parent: -1, kind: .directory, mode: 0o755, size: 0, added: 0, changed: 0)
  ]
  var index: [String: Int32] = ["": 0]
  var links: [Int32: String] = [:]
  var whiteouts: [String: Int32] = [:]
  var opaques: [String: Int32] = [:]
  var versions: [String: [FileVersion]] = [:]
  var versionSelectors: [String: [[Int32]]] = [:]
  public private(set) var diagnostics: [Diagnostic] = []
  var diagnosticCounts: [String: Int] = [:]
  var spool: SpoolDirectory?
  var spoolCounter = 0
  var memoryUsed: Int64 = 0
  var diskUsed: Int64 = 0
  var layer: Int32 = -1
  var parser = TarParser()
  var capture: Capture?
  /// Regular-file bytes seen in the current layer.
  public private(set) var layerBytes: Int64 = 0
  public private(set) var layerEntries = 0
  /// Parent-directory cache for consecutive members of one directory (cleared by whiteouts).
  var lastDir = ""
  var lastDirIndex: Int32?

  struct Capture {
    var path: String
    var matched: [Int32]
    var needMagic: Bool
    var head: [UInt8] = []
    var buffer: [UInt8] = []
    var spoolFD: Int32 = -1
    var spoolPath: String?
    var written: Int64 = 0
    var size: Int64
    /// Content markers still to find (empty: no marker filtering, or one was found).
    var markers: [[UInt8]] = []
    /// The last bytes seen, for markers that straddle two chunks.
    var tail: [UInt8] = []
    /// Held in memory only until a marker is found, then spooled (above `memoryThreshold`).
    var spoolWhenKept = false
    /// No storage reserved yet: waiting for `magicLength` bytes to decide on the magic.
    var pending = false
    var magicLength = 0
    /// Section names that stand for the markers when the file is an ELF file held whole in
    /// memory (see `FileSelector.elfSections`); set once the first bytes show ELF.
    var elfSections: [String] = []
  }

  /// The buffer of the marker capture in progress, kept between captures: most executables
  /// turn out to carry no marker, and a fresh buffer for each meant page faults on every byte
  /// of every executable of the image. At most `markerBufferLimit` bytes of capacity.
  var markerScratch: [UInt8] = []

  static let maxDiagnosticsPerCode = 50

  public init(
    layers: [LayerInfo], selectors: [FileSelector], options: CaptureOptions = CaptureOptions()
  ) {
    self.layers = layers
    self.selectors = selectors
    selectorIndex = SelectorIndex(selectors)
    self.options = options
  }

  /// Goes on from a state kept after a shared prefix of layers (`LayerPrefixCache`) with the
  /// layers of another image: captures from now on spool into a directory of their own (the
  /// kept state's spooled files stay alive through their byte sources).
  mutating func continueAs(layers: [LayerInfo]) {
    self.layers = layers
    spool = nil
    spoolCounter = 0
  }

  var layerDigest: Digest? {
    layer >= 0 && Int(layer) < layers.count ? layers[Int(layer)].digest : nil
  }

  mutating func note(_ level: Diagnostic.Level, _ code: String, _ message: String, path: String?) {
    let n = diagnosticCounts[code, default: 0] + 1
    diagnosticCounts[code] = n
    if n <= Self.maxDiagnosticsPerCode {
      diagnostics.append(
        Diagnostic(
          level, code: code, message, source: "layer-reader", path: path, layer: layerDigest))
    } else if n == Self.maxDiagnosticsPerCode + 1 {
      diagnostics.append(
        Diagnostic(
          level, code: code, "more '\(code)' diagnostics omitted", source: "layer-reader",
          layer: layerDigest))
    }
  }

  // MARK: layers

  /// Starts layer `index` (layers must come in order).
  public mutating func beginLayer(_ index: Int, tarLimits: TarLimits = TarLimits()) {
    layer = Int32(index)
    parser = TarParser(limits: tarLimits)
    capture = nil
    layerBytes = 0
    layerEntries = 0
    lastDirIndex = nil
  }

  /// Pushes uncompressed tar bytes of the current layer.
  public mutating func push(_ tarBytes: UnsafeRawBufferPointer) throws(FileTreeError) {
    do {
      var p = parser
      parser = TarParser()
      defer { parser = p }
      try p.push(tarBytes) { event in try self.handle(event) }
    } catch let e as FileTreeError {
      throw e
    } catch let e as ByteFormatError {
      abandonCapture()
      throw FileTreeError(
        e.code == .limitExceeded ? .limitExceeded : .corruptLayer,
        "layer \(layer + 1)\(layerDigest.map { " (\($0))" } ?? ""): \(e.description)",
        layer: layerDigest)
    } catch {
      abandonCapture()
      throw FileTreeError(.corruptLayer, "layer \(layer + 1): \(error)", layer: layerDigest)
    }
  }

  /// Ends the current layer: the tar must be complete.
  public mutating func endLayer() throws(FileTreeError) {
    do {
      try parser.finish()
    } catch {
      abandonCapture()
      throw FileTreeError(
        .corruptLayer,
        "layer \(layer + 1)\(layerDigest.map { " (\($0))" } ?? ""): \(error.description)",
        layer: layerDigest)
    }
  }

  // MARK: events

  mutating func handle(_ event: TarParser.Event) throws {
    switch event {
    case .entry(let e): try add(e)
    case .data(let span): if capture != nil { try captureData(span) }
    case .entryEnd: if capture != nil { try finishCapture() }
    case .warning(let w):
      note(.warning, w.code, w.message, path: w.path.map(PathNormalizer.clean))
    }
  }

  mutating func add(_ e: TarEntry) throws {
    layerEntries += 1
    let norm = PathNormalizer.normalize(e.path)
    if norm.escaped {
      note(
        .warning, "layer.path-traversal",
        "entry name '\(e.path.prefix(300))' climbs above the root with '..'; clamped to /\(norm.path)",
        path: norm.path)
    }
    let path = norm.path
    if path.isEmpty { return }  // the root itself ("./")
    guard nodes.count < options.maxEntries else {
      throw FileTreeError(
        .limitExceeded, "image has more than \(options.maxEntries) file entries", layer: layerDigest
      )
    }
    let slash = path.lastIndex(of: "/")
    let base = slash.map { path[path.index(after: $0)...] } ?? path[...]
    let dir = slash.map { String(path[..<$0]) } ?? ""
    if base.hasPrefix(".wh.") {
      if base == ".wh..wh..opq" {
        opaques[dir] = max(opaques[dir] ?? -1, layer)
        lastDirIndex = nil
        _ = ensureDirectory(dir)
      } else if base.hasPrefix(".wh..wh.") {
        // aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): not part of the container's view.
      } else {
        let victim = dir.isEmpty ? String(base.dropFirst(4)) : dir + "/" + base.dropFirst(4)
        whiteouts[victim] = max(whiteouts[victim] ?? -1, layer)
        lastDirIndex = nil
      }
      return
    }
    let kind: FileKind
    switch e.kind {
    case .regular: kind = .regular
    case .hardLink: kind = .hardlink
    case .symlink: kind = .symlink
    case .characterDevice: kind = .characterDevice
    case .blockDevice: kind = .blockDevice
    case .directory: kind = .directory
    case .fifo: kind = .fifo
    case .other: return
    }
    var size = e.size
    var mode = e.mode
    var link: String?
    if kind == .symlink { link = e.linkName }
    if kind == .hardlink {
      let t = PathNormalizer.normalize(e.linkName)
      if t.escaped {
        note(
          .warning, "layer.path-traversal",
          "hard link target '\(e.linkName.prefix(300))' climbs above the root; clamped", path: path)
      }
      link = t.path
      // A hard link shares the target's inode: same size and mode.
      if let ti = index[t.path] {
        size = nodes[Int(ti)].size
        mode = nodes[Int(ti)].mode
      }
    }
    let i = upsert(path, kind: kind, mode: mode, size: size)
    if let link { links[i] = link } else if links[i] != nil { links[i] = nil }
    if kind == .regular {
      layerBytes += e.size
      startCapture(path: path, size: e.size)
    } else if kind == .hardlink, let target = link {
      captureHardLink(path: path, target: target)
    }
  }

  /// Whether node `i` is hidden by a whiteout or opaque marker of a layer after its last change.
  func isHidden(_ i: Int32) -> Bool {
    if whiteouts.isEmpty && opaques.isEmpty { return false }
    let n = nodes[Int(i)]
    if n.path.isEmpty { return false }
    if let d = whiteouts[n.path], d > n.changed { return true }
    var p = Substring(n.path)
    while true {
      let parent: Substring
      if let slash = p.lastIndex(of: "/") { parent = p[..<slash] } else { parent = "" }
      let key = String(parent)
      if let o = opaques[key], o > n.changed { return true }
      if parent.isEmpty { return false }
      if let d = whiteouts[key], d > n.changed { return true }
      p = parent
    }
  }

  /// The directory node at `path`, created (with its parents) when missing or hidden.
  mutating func ensureDirectory(_ path: String) -> Int32 {
    if let i = index[path] {
      if nodes[Int(i)].kind == .directory && !isHidden(i) { return i }
      if nodes[Int(i)].kind != .directory && !isHidden(i) {
        // A non-directory used as a parent (e.g. a symlink to a directory): keep it.
        return i
      }
      // Hidden: comes back as a new directory.
      nodes[Int(i)].kind = .directory
      nodes[Int(i)].added = layer
      nodes[Int(i)].changed = layer
      nodes[Int(i)].size = 0
      links[i] = nil
      return i
    }
    let slash = path.lastIndex(of: "/")
    let parent = slash.map { ensureDirectory(String(path[..<$0])) } ?? 0
    let i = Int32(nodes.count)
    nodes.append(
      Node(
        path: path, parent: parent, kind: .directory, mode: 0o755, size: 0, added: layer,
        changed: layer))
    index[path] = i
    return i
  }

  mutating func upsert(_ path: String, kind: FileKind, mode: UInt32, size: Int64) -> Int32 {
    if let i = index[path] {
      let hidden = isHidden(i)
      let old = nodes[Int(i)]
      if old.kind == .directory && kind != .directory && !hidden {
        // A directory replaced by a file: everything below it disappears.
        opaques[path] = max(opaques[path] ?? -1, layer)
        lastDirIndex = nil
      }
      if hidden || old.path.isEmpty {
        let slash = path.lastIndex(of: "/")
        if let slash { _ = ensureDirectory(String(path[..<slash])) }
      }
      nodes[Int(i)].kind = kind
      nodes[Int(i)].mode = mode
      nodes[Int(i)].size = size
      nodes[Int(i)].changed = layer
      if hidden { nodes[Int(i)].added = layer }
      return i
    }
    let parent: Int32
    if let slash = path.lastIndex(of: "/") {
      // Tar members come grouped by directory: reuse the last parent without a new string.
      let dir = path[..<slash]
      if let cached = lastDirIndex, dir == lastDir {
        parent = cached
      } else {
        let d = String(dir)
        parent = ensureDirectory(d)
        lastDir = d
        lastDirIndex = parent
      }
    } else {
      parent = 0
    }
    let i = Int32(nodes.count)
    nodes.append(
      Node(
        path: path, parent: parent, kind: kind, mode: mode, size: size, added: layer, changed: layer
      ))
    index[path] = i
    return i
  }

  // MARK: capture

  mutating func startCapture(path: String, size: Int64) {
    guard !selectors.isEmpty else { return }
    var matched: [Int32] = []
    var needMagic = false
    var allMagic = true
    var tooLarge: FileSelector?
    for k in selectorIndex.matching(path: path) {
      let s = selectors[Int(k)]
      if size <= s.maxSize {
        matched.append(k)
        if s.magic.isEmpty { allMagic = false } else { needMagic = true }
      } else if s.magic.isEmpty {
        tooLarge = s
      }
    }
    // A selector that wants this file by name alone would have read it: say why it did not,
    // whatever other (magic) selectors make of the file.
    if let s = tooLarge, s.magic.isEmpty {
      note(
        .warning, "capture.too-large",
        "file of \(size) bytes exceeds the \(s.maxSize)-byte limit of a cataloger's selector; not read",
        path: path)
    }
    if matched.isEmpty { return }
    var c = Capture(path: path, matched: matched, needMagic: needMagic, size: size)
    // Marker filtering applies only when every matching selector asks for it.
    if matched.allSatisfy({ !selectors[Int($0)].contentMarkers.isEmpty }) {
      c.markers = Array(Set(matched.flatMap { selectors[Int($0)].contentMarkers }))
      if matched.allSatisfy({ !selectors[Int($0)].elfSections.isEmpty }) {
        c.elfSections = Array(Set(matched.flatMap { selectors[Int($0)].elfSections })).sorted()
      }
    }
    if allMagic {
      // Every selector wants a magic number (binaries are looked for in every regular file):
      // nothing is reserved or spooled until the first bytes show the file is one of them.
      c.pending = true
      c.magicLength = matched.map { selectors[Int($0)].magicLength }.max() ?? 0
      capture = c
      return
    }
    guard reserve(&c) else { return }
    if c.spoolFD >= 0 { c.elfSections = [] }  // not held in memory: searched as it streams
    capture = c
  }

  /// Reserves memory or a spool file for capture `c` within the budgets; false (with a
  /// diagnostic) when neither is possible.
  mutating func reserve(_ c: inout Capture) -> Bool {
    let size = c.size
    if size <= options.memoryThreshold && memoryUsed + size <= options.memoryBudget {
      c.buffer.reserveCapacity(Int(size))
      memoryUsed += size
    } else if !c.markers.isEmpty && size <= options.markerBufferLimit
      && memoryUsed + size <= options.memoryBudget
    {
      c.buffer = markerScratch
      markerScratch = []
      c.buffer.removeAll(keepingCapacity: true)
      c.buffer.reserveCapacity(Int(size))
      c.spoolWhenKept = true
      memoryUsed += size
    } else if diskUsed + size <= options.diskBudget {
      do {
        if spool == nil { spool = try SpoolDirectory(parent: options.temporaryDirectory) }
        guard let dir = spool?.path else { throw FileTreeError(.io, "no spool directory") }
        spoolCounter += 1
        let p = "\(dir)/\(spoolCounter)"
        let fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw FileTreeError(.io, "cannot create \(p)") }
        c.spoolFD = fd
        c.spoolPath = p
        diskUsed += size
      } catch {
        note(.warning, "capture.io", "cannot spool a captured file: \(error)", path: c.path)
        return false
      }
    } else {
      note(
        .warning, "capture.budget",
        "capture budget exhausted (\(options.memoryBudget) bytes in memory, \(options.diskBudget) on disk); file not read",
        path: c.path)
      return false
    }
    return true
  }

  /// Decides a pending capture on its first bytes: drops it when no selector's magic matches,
  /// otherwise reserves its storage and stores the bytes seen so far. False when dropped.
  mutating func activate(_ c: inout Capture) -> Bool {
    guard filterMagic(&c), reserve(&c) else { return false }  // still pending: nothing to free
    c.pending = false
    if !c.head.starts(with: FileSelector.elfMagic) || c.spoolFD >= 0 { c.elfSections = [] }
    let seen = c.head
    c.head = []
    return seen.withUnsafeBytes { store(&c, $0) }
  }

  mutating func captureData(_ span: UnsafeRawBufferPointer) throws {
    guard var c = capture else { return }
    capture = nil
    var span = span
    if c.pending {
      // Nothing is stored yet: every byte seen so far is in `head`.
      let take = min(c.magicLength - c.head.count, span.count)
      c.head += span.prefix(take)
      if c.head.count < c.magicLength {
        capture = c
        return
      }
      guard activate(&c) else {
        release(c)
        return
      }
      span = UnsafeRawBufferPointer(rebasing: span[take...])
    } else if c.needMagic && c.head.count < 16 {
      c.head += span.prefix(16 - c.head.count)
      if c.head.count >= 16 {
        if !filterMagic(&c) {
          release(c)
          return
        }
      }
    }
    guard store(&c, span) else {
      release(c)
      return
    }
    capture = c
  }

  /// Appends `span` to the capture's storage (looking for its markers on the way); false on a
  /// spool write error (with a diagnostic).
  mutating func store(_ c: inout Capture, _ span: UnsafeRawBufferPointer) -> Bool {
    if span.isEmpty { return true }
    // An ELF file held whole in memory is decided from its section table at its end.
    if !c.markers.isEmpty && c.elfSections.isEmpty { Self.findMarkers(&c, in: span) }
    if c.spoolFD >= 0 {
      var off = 0
      while off < span.count {
        let n = write(c.spoolFD, span.baseAddress! + off, span.count - off)
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else {
          note(
            .warning, "capture.io",
            "cannot write a spooled capture: \(String(cString: strerror(errno)))", path: c.path)
          return false
        }
        off += n
      }
      c.written += Int64(span.count)
    } else {
      c.buffer.append(contentsOf: span)
    }
    return true
  }

  /// Whether an ELF capture held in memory carries one of its marker sections; an ELF file
  /// whose section table cannot be read is searched for the markers instead.
  static func elfMarked(_ c: Capture) -> Bool {
    if let elf = try? ELFFile(source: MemoryByteSource(c.buffer)), !elf.sections.isEmpty {
      return c.elfSections.contains { elf.section(named: $0) != nil }
    }
    return c.buffer.withUnsafeBytes { raw in c.markers.contains { contains(raw, $0) } }
  }

  /// Looks for the capture's content markers in `span` (and across its boundary with the
  /// previous chunk); clears them once one is found.
  static func findMarkers(_ c: inout Capture, in span: UnsafeRawBufferPointer) {
    guard span.baseAddress != nil else { return }
    let longest = c.markers.map(\.count).max() ?? 0
    for m in c.markers {
      let boundary = c.tail + span.prefix(m.count - 1)
      let hit =
        Self.contains(span, m) || boundary.withUnsafeBytes { Self.contains($0, m) }
      if hit {
        c.markers = []
        c.tail = []
        return
      }
    }
    let keep = max(longest - 1, 0)
    if span.count >= keep {
      c.tail = Array(span.suffix(keep))
    } else {
      c.tail = Array((c.tail + span).suffix(keep))
    }
  }

  /// Whether `needle` occurs in `hay`: memchr for its rarest byte (see `anchor`), then memcmp.
  static func contains(_ hay: UnsafeRawBufferPointer, _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, let base = hay.baseAddress, hay.count >= needle.count else {
      return false
    }
    let k = anchor(needle)
    let byte = Int32(needle[k])
    return needle.withUnsafeBytes { n -> Bool in
      // Candidate anchor positions are k...(count - needle.count + k).
      var from = k
      let lastAnchor = hay.count - needle.count + k
      while from <= lastAnchor {
        guard let p = memchr(base + from, byte, lastAnchor - from + 1) else { return false }
        let at = base.distance(to: UnsafeRawPointer(p))
        if memcmp(base + at - k, n.baseAddress!, needle.count) == 0 { return true }
        from = at + 1
      }
      return false
    }
  }

  /// The index of the needle byte least likely to occur in executables, so memchr stops as
  /// rarely as possible. Classes from a byte histogram of the ELF files of a Debian system:
  /// 0x00 and 0xff are ~4% of all bytes each (the Go marker starts with 0xff), space ~2%,
  /// common lower-case letters and digits ~0.4-0.9%, other letters ~0.2%, `:` and upper-case
  /// letters ~0.1-0.2%.
  static func anchor(_ needle: [UInt8]) -> Int {
    func commonness(_ b: UInt8) -> Int {
      switch b {
      case 0x00, 0xFF: 100
      case UInt8(ascii: " "): 50
      case UInt8(ascii: "e"), UInt8(ascii: "t"), UInt8(ascii: "a"), UInt8(ascii: "o"),
        UInt8(ascii: "i"), UInt8(ascii: "n"), UInt8(ascii: "s"), UInt8(ascii: "r"),
        UInt8(ascii: "l"), UInt8(ascii: "f"), UInt8(ascii: "u"), UInt8(ascii: "."),
        UInt8(ascii: "d"), UInt8(ascii: "_"), UInt8(ascii: "p"), UInt8(ascii: "-"),
        UInt8(ascii: "0")...UInt8(ascii: "9"):
        10
      case UInt8(ascii: "a")...UInt8(ascii: "z"): 5
      default: 2
      }
    }
    var best = 0
    for i in needle.indices where commonness(needle[i]) < commonness(needle[best]) { best = i }
    return best
  }

  /// Drops selectors whose magic the head does not match; false when none is left.
  func filterMagic(_ c: inout Capture) -> Bool {
    c.matched = c.matched.filter { selectors[Int($0)].matchesMagic(c.head) }
    c.needMagic = false
    return !c.matched.isEmpty
  }

  mutating func release(_ c: Capture) {
    if c.pending { return }  // nothing reserved yet
    if c.spoolFD >= 0 {
      close(c.spoolFD)
      if let p = c.spoolPath { unlink(p) }
      diskUsed -= c.size
    } else {
      memoryUsed -= c.size
      if c.spoolWhenKept { markerScratch = c.buffer }
    }
  }

  mutating func abandonCapture() {
    if let c = capture { release(c) }
    capture = nil
  }

  mutating func finishCapture() throws {
    guard var c = capture else { return }
    capture = nil
    // A file shorter than the longest magic is decided on what it has.
    if c.pending && !activate(&c) {
      release(c)
      return
    }
    if c.needMagic && !filterMagic(&c) {
      release(c)
      return
    }
    if !c.markers.isEmpty && !c.elfSections.isEmpty && Self.elfMarked(c) { c.markers = [] }
    if !c.markers.isEmpty {
      // No marker anywhere in the file: nothing for the catalogers that asked for it.
      release(c)
      return
    }
    if c.spoolWhenKept { spoolKept(&c) }
    let source: any ByteSource
    if c.spoolFD >= 0 {
      close(c.spoolFD)
      source = DiskByteSource(path: c.spoolPath!, count: Int(c.written), owner: spool)
    } else {
      // A marker capture that could not be spooled keeps an exact copy; the scratch buffer
      // goes back for the next one.
      source = MemoryByteSource(c.spoolWhenKept ? Array(c.buffer) : c.buffer)
      if c.spoolWhenKept { markerScratch = c.buffer }
    }
    versions[c.path, default: []].append(FileVersion(layerIndex: Int(layer), contents: source))
    versionSelectors[c.path, default: []].append(c.matched)
  }

  /// Moves a kept, memory-held capture above the memory threshold to the spool (when the disk
  /// budget allows), so only the file being read is ever held in full.
  mutating func spoolKept(_ c: inout Capture) {
    guard diskUsed + c.size <= options.diskBudget else { return }
    do {
      if spool == nil { spool = try SpoolDirectory(parent: options.temporaryDirectory) }
      guard let dir = spool?.path else { return }
      spoolCounter += 1
      let p = "\(dir)/\(spoolCounter)"
      let fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
      guard fd >= 0 else { return }
      let ok = c.buffer.withUnsafeBytes { raw -> Bool in
        var off = 0
        while off < raw.count {
          let n = write(fd, raw.baseAddress! + off, raw.count - off)
          if n < 0 && errno == EINTR { continue }
          guard n > 0 else { return false }
          off += n
        }
        return true
      }
      guard ok else {
        close(fd)
        unlink(p)
        return
      }
      memoryUsed -= c.size
      diskUsed += c.size
      c.written = Int64(c.buffer.count)
      markerScratch = c.buffer
      c.buffer = []
      c.spoolFD = fd
      c.spoolPath = p
    } catch {
      return
    }
  }

  mutating func captureHardLink(path: String, target: String) {
    guard !selectors.isEmpty else { return }
    let wanted = selectorIndex.matching(path: path).map { Int($0) }
    guard !wanted.isEmpty else { return }
    guard let v = versions[target]?.last else {
      note(
        .info, "capture.hardlink",
        "hard link to \(target), which no selector captured; contents unavailable", path: path)
      return
    }
    let head = (try? v.contents.read(at: 0, length: 16)) ?? []
    let matched = wanted.filter {
      Int64(v.contents.count) <= selectors[$0].maxSize && selectors[$0].matchesMagic(head)
    }.map { Int32($0) }
    guard !matched.isEmpty else { return }
    versions[path, default: []].append(FileVersion(layerIndex: Int(layer), contents: v.contents))
    versionSelectors[path, default: []].append(matched)
  }

  // MARK: entries from elsewhere (directories on disk)

  /// Adds an entry read from somewhere other than a tar (a root filesystem on disk), with
  /// optional lazily read contents.
  public mutating func addEntry(
    path rawPath: String, kind: FileKind, mode: UInt32, size: Int64, linkTarget: String?,
    contents: (() -> (any ByteSource)?)?
  ) {
    if layer < 0 { layer = 0 }
    let path = PathNormalizer.clean(rawPath)
    guard !path.isEmpty, nodes.count < options.maxEntries else { return }
    let i = upsert(path, kind: kind, mode: mode, size: size)
    if let linkTarget { links[i] = linkTarget }
    guard kind == .regular, let contents, !selectors.isEmpty else { return }
    var matched: [Int32] = []
    var needMagic = false
    for k in selectorIndex.matching(path: path) {
      let s = selectors[Int(k)]
      if size <= s.maxSize {
        matched.append(k)
        if !s.magic.isEmpty { needMagic = true }
      } else if s.magic.isEmpty {
        note(
          .warning, "capture.too-large",
          "file of \(size) bytes exceeds the \(s.maxSize)-byte limit of a cataloger's selector; not read",
          path: path)
      }
    }
    guard !matched.isEmpty, let source = contents() else { return }
    if needMagic {
      let head = (try? source.read(at: 0, length: 16)) ?? []
      matched = matched.filter { selectors[Int($0)].matchesMagic(head) }
      guard !matched.isEmpty else { return }
    }
    versions[path, default: []].append(FileVersion(layerIndex: Int(layer), contents: source))
    versionSelectors[path, default: []].append(matched)
  }

  /// Records a diagnostic from the caller (e.g. an unreadable directory).
  public mutating func addDiagnostic(_ d: Diagnostic) { diagnostics.append(d) }

  // MARK: finish

  /// The squashed view.
  public func finish() -> LayerStack {
    var visible = [Bool](repeating: true, count: nodes.count)
    if !whiteouts.isEmpty || !opaques.isEmpty {
      for i in nodes.indices where isHidden(Int32(i)) { visible[i] = false }
      // A visible node under a hidden parent is hidden too (its parent chain is gone).
      for i in nodes.indices where visible[i] {
        var p = nodes[i].parent
        var depth = 0
        while p > 0 && depth < 4096 {
          if !visible[Int(p)] {
            visible[i] = false
            break
          }
          p = nodes[Int(p)].parent
          depth += 1
        }
      }
    }
    var children: [Int32: [Int32]] = [:]
    for i in 1..<nodes.count where visible[i] {
      children[nodes[i].parent, default: []].append(Int32(i))
    }
    return LayerStack(
      layers: layers, diagnostics: diagnostics, nodes: nodes, index: index, links: links,
      visible: visible, children: children, versions: versions, versionSelectors: versionSelectors,
      selectors: selectors, spool: spool)
  }
}
