package tailguard.packs.no_kev_test

import data.tailguard.packs.no_kev
import rego.v1

kev_finding := {
	"id": "CVE-2021-44228", "aliases": ["GHSA-jfh8-c2jp-5v3q"], "severity": "critical",
	"package": {"name": "log4j-core", "version": "2.14.1"},
	"kev": {"dateAdded": "2021-12-10", "knownRansomwareCampaignUse": true},
}

plain_finding := {
	"id": "CVE-2024-2", "aliases": [], "severity": "critical",
	"package": {"name": "zlib", "version": "1"}, "kev": null,
}

test_denies_kev if {
	r := no_kev.deny with input as {"findings": [kev_finding, plain_finding]}
	r == {"CVE-2021-44228 in log4j-core 2.14.1 is a known exploited vulnerability (CISA KEV since 2021-12-10, used in ransomware campaigns)"}
}

test_allows_non_kev if {
	count(no_kev.deny) == 0 with input as {"findings": [plain_finding]}
}

test_allow_by_alias if {
	r := no_kev.deny with input as {"findings": [kev_finding]}
		with data.tailguard.no_kev.allow_ids as ["GHSA-jfh8-c2jp-5v3q"]
	count(r) == 0
}
