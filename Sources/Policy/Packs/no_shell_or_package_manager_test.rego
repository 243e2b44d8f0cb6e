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
