import Foundation
import Yams

/// YAML to/from `Value` through Yams' node tree, with a node budget so alias
/// bombs ("billion laughs") cannot expand without bound.
public enum YAMLCodec {
  public static let maxNodes = 2_000_000

  /// Decodes every document of a (multi-document) YAML stream.
  public static func decodeAll(_ text: String, file: String = "<yaml>") throws -> [Value] {
    var out: [Value] = []
    var budget = maxNodes
    do {
      var seq = try Yams.compose_all(yaml: text)
      while let node = seq.next() {
        out.append(try convert(node, depth: 0, budget: &budget, file: file))
      }
      if let e = seq.error { throw e }
    } catch let e as RegoError {
      throw e
    } catch {
      throw RegoError(.dataError, "YAML: \(error)", at: SourceLocation(file: file, row: 1, col: 1))
    }
    return out
  }

  /// Decodes a single YAML document (empty text decodes to null).
  public static func decode(_ text: String, file: String = "<yaml>") throws -> Value {
    let all = try decodeAll(text, file: file)
    guard all.count <= 1 else {
      throw RegoError(.dataError, "expected one YAML document, found \(all.count)")
    }
    return all.first ?? .null
  }

  static func convert(_ node: Node, depth: Int, budget: inout Int, file: String) throws -> Value {
    budget -= 1
    if budget < 0 { throw RegoError(.limitExceeded, "YAML document expands to too many nodes") }
    if depth > JSONCodec.maxDepth { throw RegoError(.limitExceeded, "YAML nesting too deep") }
    switch node {
    case .scalar(let s):
      switch node.tag.description {
      case "tag:yaml.org,2002:null": return .null
      case "tag:yaml.org,2002:bool": return node.bool.map(Value.bool) ?? .string(s.string)
      case "tag:yaml.org,2002:int":
        if let i = node.int { return .int(i) }
        return node.float.map(Value.double) ?? .string(s.string)
      case "tag:yaml.org,2002:float":
        if let d = node.float, d.isFinite { return .double(d) }
        return .string(s.string)
      default: return .string(s.string)
      }
    case .mapping(let m):
      var o: [Value: Value] = [:]
      for (k, v) in m {
        let key = try convert(k, depth: depth + 1, budget: &budget, file: file)
        let ks: Value = key.stringValue != nil ? key : .string(Formatting.plainText(key))
        o[ks] = try convert(v, depth: depth + 1, budget: &budget, file: file)
      }
      return .object(o)
    case .sequence(let s):
      var a: [Value] = []
      for v in s { a.append(try convert(v, depth: depth + 1, budget: &budget, file: file)) }
      return .array(a)
    case .alias:
      return .null
    }
  }

  /// Encodes a value as YAML (block style, sorted keys).
  public static func encode(_ v: Value) throws -> String {
    do {
      return try Yams.serialize(node: node(v), sortKeys: true)
    } catch {
      throw RegoError(.builtinError, "yaml.marshal: \(error)")
    }
  }

  static func node(_ v: Value) -> Node {
    switch v {
    case .null: return Node("null", Tag(.null))
    case .bool(let b): return Node(b ? "true" : "false", Tag(.bool))
    case .number(let n): return Node(n.description, Tag(n.intValue != nil ? .int : .float))
    case .string(let s): return Node(s, Tag(.str))
    case .array(let a): return Node(a.map(node))
    case .set(let s): return Node(s.sorted().map(node))
    case .object(let o):
      return Node(
        o.keys.sorted().map { k in (Node(Formatting.plainText(k), Tag(.str)), node(o[k] ?? .null)) }
      )
    }
  }
}
