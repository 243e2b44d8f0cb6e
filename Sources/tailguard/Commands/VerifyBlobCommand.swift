import ArgumentParser
import Signatures

struct VerifyBlobCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "verify-blob")
  func run() async throws {}
}
