/// `graph.reachable` and `graph.reachable_paths` (OPA's `topdown/reachable.go`).
/// A graph is an object from node to an array or set of neighbours; a node that
/// is not a key of the graph is never reached. Both walks are bounded: every
/// visited edge counts against the collection limit, and the path walk keeps its
/// own stack (no recursion on hostile graphs).
extension Builtins {
  static func neighbours(_ v: Value) -> [Value] {
    switch v {
    case .array(let a): return a
    case .set(let s): return s.sorted()
    default: return []
    }
  }

  static func startNodes(_ a: [Value], _ name: String) throws -> [Value] {
    switch a[1] {
    case .array(let x): return x
    case .set(let s): return s.sorted()
    default:
      throw typeError(name, "operand 2 must be one of {array, set} but got \(a[1].typeName)")
    }
  }

  mutating func registerGraph() {
    register("graph.reachable", arity: 2) { a, ctx in
      let graph = try argObject(a, 0, "graph.reachable")
      var queue = try Builtins.startNodes(a, "graph.reachable")
      var reached = Set<Value>()
      var work = 0
      var head = 0
      while head < queue.count {
        let node = queue[head]
        head += 1
        guard !reached.contains(node), let edges = graph[node] else { continue }
        reached.insert(node)
        for n in Builtins.neighbours(edges) where !reached.contains(n) {
          queue.append(n)
          work += 1
          try checkSize(work, ctx, "graph.reachable")
        }
      }
      return .set(reached)
    }
    register("graph.reachable_paths", arity: 2) { a, ctx in
      let graph = try argObject(a, 0, "graph.reachable_paths")
      let starts = try Builtins.startNodes(a, "graph.reachable_paths")
      var result = Set<Value>()
      var work = 0
      func tick() throws {
        work += 1
        try checkSize(work, ctx, "graph.reachable_paths")
      }
      // One frame per node on the current path: the path up to and including
      // the node, the nodes on it, and the neighbours still to try.
      struct Frame {
        var path: [Value]
        var onPath: Set<Value>
        var pending: [Value]
      }
      for start in starts {
        guard let edges = graph[start] else { continue }
        let first = Builtins.neighbours(edges)
        if first.isEmpty {
          result.insert(.array([start]))
          continue
        }
        // pathBuilder(neighbour, [start], reached = {start}) for each neighbour
        var stack = [Frame(path: [start], onPath: [start], pending: first.reversed())]
        while var top = stack.popLast() {
          guard let node = top.pending.popLast() else { continue }
          try tick()
          stack.append(top)
          guard let nodeEdges = graph[node] else {
            result.insert(.array(top.path))  // node unknown: the path without it
            continue
          }
          let path = top.path + [node]
          let next = Builtins.neighbours(nodeEdges)
          if next.isEmpty {
            result.insert(.array(path))
            continue
          }
          var onPath = top.onPath
          onPath.insert(node)
          var pending: [Value] = []
          for n in next.reversed() {
            if onPath.contains(n) {
              result.insert(.array(path))  // cycle: commit the current path
            } else {
              pending.append(n)
            }
          }
          stack.append(Frame(path: path, onPath: onPath, pending: pending))
        }
      }
      return .set(result)
    }
  }
}
