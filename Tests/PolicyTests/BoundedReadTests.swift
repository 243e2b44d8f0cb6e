import Foundation
import Policy
import Rego
import TailguardTesting
import Testing

/// Policy files, data files and inputs are read through one bounded read: a file over the limit
/// (a sparse file here, so the test writes nothing) fails with the path and the limit, and a
/// FIFO with no writer is refused instead of hanging the load.
@Suite struct BoundedReadTests {
  static func sparse(_ dir: TemporaryDirectory, _ name: String, bytes: Int) throws -> String {
    let path = dir.file(name)
    FileManager.default.createFile(atPath: path, contents: nil)
    let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try h.truncate(atOffset: UInt64(bytes))
    try h.close()
    return path
  }

  @Test func regoDataFileOverTheLimitNamesTheLimit() throws {
    let dir = try TemporaryDirectory()
    let path = try Self.sparse(dir, "data.json", bytes: Engine.maxFileBytes + 1)
    var engine = Engine()
    let e = #expect(throws: RegoError.self) { try engine.load(paths: [path]) }
    #expect(e?.message.contains("\(Engine.maxFileBytes)") == true, "\(e?.message ?? "")")
    #expect(e?.message.contains(path) == true)
  }

  @Test func policyInputOverTheLimitNamesTheLimit() throws {
    let dir = try TemporaryDirectory()
    let path = try Self.sparse(dir, "input.json", bytes: InputDocuments.maxBytes + 1)
    let e = #expect(throws: RegoError.self) { try InputDocuments.load(path: path) }
    #expect(e?.message.contains("\(InputDocuments.maxBytes)") == true, "\(e?.message ?? "")")
  }

  @Test func fifoIsRefusedNotAwaited() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("p.rego")
    #expect(mkfifo(path, 0o600) == 0)
    var engine = Engine()
    let e = #expect(throws: RegoError.self) { try engine.load(paths: [path]) }
    #expect(e?.message.contains("not a regular file") == true, "\(e?.message ?? "")")
  }
}
