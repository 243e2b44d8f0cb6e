package tailguard.packs.no_kev

import data.tailguard.lib
import rego.v1

# This pack's own parameters (data.tailguard.no_kev), over data.tailguard.params.
default own := {}

own := data.tailguard.no_kev

deny contains msg if {
	some f in input.findings
	f.kev != null
	not lib.accepted(own, f)
	msg := sprintf("%s in %s %s is a known exploited vulnerability (CISA KEV since %s%s)", [f.id, f.package.name, f.package.version, f.kev.dateAdded, ransomware(f.kev)])
}

ransomware(kev) := ", used in ransomware campaigns" if {
	kev.knownRansomwareCampaignUse == true
} else := ""
