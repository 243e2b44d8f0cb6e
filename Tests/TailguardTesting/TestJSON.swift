import Foundation

/// Editing one field of a JSON document: how a test spoils exactly one thing in a valid fixture.
public enum TestJSON {
  /// `json` with the value at `path` (object keys, array indices as decimal strings) replaced by
  /// `value`, or removed when `value` is nil; keys come out sorted.
  public static func editing(_ json: Data, _ path: [String], to value: Any?) throws -> Data {
    func edit(_ node: Any?, _ rest: ArraySlice<String>) throws -> Any? {
      guard let key = rest.first else { return value }
      if var array = node as? [Any] {
        guard let i = Int(key), array.indices.contains(i) else {
          throw HarnessError("no index \(key) in \(path)")
        }
        array[i] = try edit(array[i], rest.dropFirst()) ?? NSNull()
        return array
      }
      guard var object = node as? [String: Any] else {
        throw HarnessError("no key \(key) in \(path)")
      }
      object[key] = try edit(object[key], rest.dropFirst())
      return object
    }
    let edited = try edit(try JSONSerialization.jsonObject(with: json), path[...])
    return try JSONSerialization.data(withJSONObject: edited ?? NSNull(), options: [.sortedKeys])
  }
}
