import Foundation

/// Runs evaluation on a thread with a large stack: the continuation-passing
/// evaluator recurses deeply on long bodies and nested calls, and the default
/// 512 KiB–8 MiB stacks of caller threads are not a safe assumption.
enum LargeStack {
  static let stackSize = 1 << 30

  static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
      box.result = Result { try body() }
      done.signal()
    }
    thread.stackSize = stackSize
    thread.start()
    done.wait()
    guard let r = box.result else { throw RegoError(.limitExceeded, "evaluation thread failed") }
    return try r.get()
  }

  final class ResultBox<T: Sendable>: @unchecked Sendable {
    var result: Result<T, Error>?
  }
}
