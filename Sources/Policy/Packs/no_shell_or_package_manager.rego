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
