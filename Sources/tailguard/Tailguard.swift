import ArgumentParser
import Scanner

@main
struct Tailguard: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "tailguard",
    abstract: "Container-image supply-chain security for the whole fleet, the long tail included.",
    version: "0.1.0",
    subcommands: []
  )
}
