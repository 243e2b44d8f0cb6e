import ArgumentParser
import SBOMFormats

@main
struct Tailguard: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "tailguard",
    abstract: "Container-image supply-chain security for the whole fleet, the long tail included.",
    discussion: """
      TARGET is oci:DIR[:tag|@digest], docker-archive:FILE[:tag], dir:PATH, registry:REF or \
      sbom:FILE; without a prefix it is detected (a directory with index.json is an OCI layout, \
      another directory a root filesystem, a tarball a docker archive, a JSON file an SBOM, \
      anything else a registry reference).
      Exit codes: 0 done and under every threshold; 1 a threshold was crossed (--fail-on, policy \
      deny, verification failed); 2 the tool could not do the job; 64 usage error.
      """,
    version: TailguardVersion.current,
    subcommands: [
      ScanCommand.self, SBOMCommand.self, InventoryCommand.self, DBCommand.self,
      PolicyCommand.self, VerifyCommand.self, VerifyBlobCommand.self, VerifyAttestationCommand.self,
      FleetCommand.self, PinCommand.self, ResolveCommand.self, CacheCommand.self,
      VersionCommand.self, CVSSCommand.self, ServeCommand.self, AdmissionCommand.self,
      FixCommand.self, PatchCommand.self, GraphCommand.self,
    ]
  )
}
