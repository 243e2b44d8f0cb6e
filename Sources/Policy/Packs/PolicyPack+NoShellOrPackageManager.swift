extension PolicyPack {
  /// Distroless posture: a runtime image without shells or package managers gives an attacker
  /// with code execution much less to work with.
  public static let noShellOrPackageManager = PolicyPack(
    name: "no-shell-or-package-manager",
    summary: "deny shells and package managers in the image (distroless posture)",
    parameters: ["allowed": "[] (paths or package names)"],
    rego: #"""
      package tailguard.packs.no_shell_or_package_manager

      import data.tailguard.lib
      import rego.v1

      # This pack's own parameters (data.tailguard.no_shell_or_package_manager), over data.tailguard.params.
      default own := {}

      own := data.tailguard.no_shell_or_package_manager

      allowed := {x | some x in lib.param(own, "allowed", [])}

      shell_packages := {"bash", "dash", "busybox", "busybox-binsh", "zsh", "ksh", "mksh", "tcsh", "csh", "ash", "yash"}

      manager_packages := {"apt", "dpkg", "apk-tools", "yum", "dnf", "microdnf", "tdnf", "rpm", "zypper", "pip", "python3-pip", "python-pip"}

      # From the file facts the scanner collected, when it did.
      deny contains msg if {
      	some path in input.files.shells
      	not path in allowed
      	msg := sprintf("shell present: /%s", [path])
      }

      deny contains msg if {
      	some path in input.files.packageManagers
      	not path in allowed
      	msg := sprintf("package manager present: /%s", [path])
      }

      # From the package inventory (also works for SBOM inputs without files).
      deny contains msg if {
      	some p in input.packages
      	p.name in shell_packages
      	not p.name in allowed
      	msg := sprintf("shell package installed: %s %s", [p.name, p.version])
      }

      deny contains msg if {
      	some p in input.packages
      	p.name in manager_packages
      	not p.name in allowed
      	msg := sprintf("package manager installed: %s %s", [p.name, p.version])
      }
      """#,
    testRego: #"""
      package tailguard.packs.no_shell_or_package_manager_test

      import data.tailguard.packs.no_shell_or_package_manager as pack
      import rego.v1

      test_files_denied if {
      	r := pack.deny with input as {"packages": [], "files": {"shells": ["bin/sh"], "packageManagers": ["usr/bin/apt"]}}
      	r == {"shell present: /bin/sh", "package manager present: /usr/bin/apt"}
      }

      test_packages_denied if {
      	r := pack.deny with input as {"packages": [{"name": "bash", "version": "5.2"}, {"name": "libc6", "version": "2.36"}, {"name": "apk-tools", "version": "2.14"}], "files": null}
      	r == {"shell package installed: bash 5.2", "package manager installed: apk-tools 2.14"}
      }

      test_distroless_allowed if {
      	count(pack.deny) == 0 with input as {"packages": [{"name": "libc6", "version": "2.36"}], "files": {"shells": [], "packageManagers": []}}
      }

      test_allowed_param if {
      	r := pack.deny with input as {"packages": [{"name": "busybox", "version": "1"}], "files": {"shells": ["bin/sh"], "packageManagers": []}}
      		with data.tailguard.params.allowed as ["busybox", "bin/sh"]
      	count(r) == 0
      }
      """#)
}
