package tailguard.packs.fips_test

import data.tailguard.packs.fips
import rego.v1

files_ok := {"openssl": {"fipsProviders": ["usr/lib64/ossl-modules/fips.so"], "fipsProviderActivated": true, "includesFIPSModule": true}}

files_unconfigured := {"openssl": {"fipsProviders": [], "fipsProviderActivated": false, "includesFIPSModule": false}}

image(labels) := {"repository": "library/app", "tag": "1", "config": {"labels": labels}}

go_pkg(path, capable) := {"name": "m", "version": "v1", "locations": [{"path": path}], "go": {"fipsCapable": capable}}

test_not_claimed_allows_everything if {
	count(fips.deny) == 0 with input as {"image": image({}), "packages": [{"name": "libgcrypt20", "version": "1"}], "files": null}
}

test_label_claim_and_non_fips_library if {
	r := fips.deny with input as {"image": image({"com.example.fips": "true"}), "packages": [{"name": "libgcrypt20", "version": "1.10"}, {"name": "libc6", "version": "2"}], "files": files_ok}
	r == {"image claims FIPS but contains non-FIPS crypto library libgcrypt20 1.10"}
}

test_name_claim if {
	fips.claims_fips with input as {"image": {"repository": "chainguard/go-fips", "tag": "latest", "config": {"labels": {}}}}
	not fips.claims_fips with input as {"image": {"repository": "library/fipsy", "tag": "1", "config": {"labels": {}}}}
}

test_openssl_unconfigured if {
	r := fips.deny with input as {"image": image({}), "packages": [{"name": "libssl3", "version": "3.0"}], "files": files_unconfigured}
		with data.tailguard.params.fips_required as true
	count(r) == 2
}

test_openssl_configured if {
	r := fips.deny with input as {"image": image({}), "packages": [{"name": "openssl-libs", "version": "3.0"}], "files": files_ok}
		with data.tailguard.fips.fips_required as true
	count(r) == 0
}

test_go_binaries if {
	inp := {"image": image({"fips": "enabled"}), "packages": [go_pkg("usr/bin/a", true), go_pkg("usr/bin/b", false)], "files": files_ok}
	r := fips.deny with input as inp
	r == {"image claims FIPS but Go binary /usr/bin/b is not built with BoringCrypto (GOEXPERIMENT=boringcrypto) or GOFIPS140"}
}
