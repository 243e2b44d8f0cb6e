package tailguard.packs.fips

import data.tailguard.lib
import rego.v1

# This pack's own parameters (data.tailguard.fips), over data.tailguard.params.
default own := {}

own := data.tailguard.fips

truthy := {"true", "1", "yes", "enabled", "on"}

claims_fips if lib.param(own, "fips_required", false) == true

claims_fips if {
	some k, v in input.image.config.labels
	contains(lower(k), "fips")
	lower(v) in truthy
}

claims_fips if {
	some s in [input.image.repository, input.image.tag]
	is_string(s)
	regex.match(`(^|[-_./])fips($|[-_./])`, lower(s))
}

non_fips_patterns := lib.param(own, "non_fips_crypto_patterns", [
	`^libgcrypt[0-9]*$`, `^(lib)?nettle[0-9]*$`, `^libhogweed[0-9]*$`, `^(lib)?sodium[0-9]*$`,
	`^libmbedcrypto[0-9]*$`, `^(lib)?mbedtls[0-9]*$`, `^(lib)?wolfssl[0-9]*$`,
	`^bcprov(-ext)?-jdk[0-9a-z]+$`, `^pycryptodomex?$`, `^libtomcrypt[0-9]*$`,
])

openssl_patterns := lib.param(own, "openssl_package_patterns", [
	`^openssl(-libs)?$`, `^libssl[0-9.]*$`, `^libcrypto[0-9.]*$`,
])

matches_any(name, patterns) if {
	some p in patterns
	regex.match(p, name)
}

has_openssl if {
	some p in input.packages
	matches_any(p.name, openssl_patterns)
}

deny contains msg if {
	claims_fips
	has_openssl
	input.files == null
	msg := "image claims FIPS but OpenSSL's FIPS configuration was not inspected (no file facts)"
}

deny contains msg if {
	claims_fips
	has_openssl
	input.files != null
	count(input.files.openssl.fipsProviders) == 0
	msg := "image claims FIPS but OpenSSL's FIPS provider module (ossl-modules/fips.so) is missing"
}

deny contains msg if {
	claims_fips
	has_openssl
	input.files != null
	not input.files.openssl.fipsProviderActivated
	not input.files.openssl.includesFIPSModule
	msg := "image claims FIPS but openssl.cnf does not include fipsmodule.cnf or activate the FIPS provider"
}

go_binaries contains path if {
	some p in input.packages
	p.go != null
	some l in p.locations
	path := l.path
}

fips_go_binary(path) if {
	some p in input.packages
	p.go != null
	p.go.fipsCapable
	some l in p.locations
	l.path == path
}

deny contains msg if {
	claims_fips
	some path in go_binaries
	not fips_go_binary(path)
	msg := sprintf("image claims FIPS but Go binary /%s is not built with BoringCrypto (GOEXPERIMENT=boringcrypto) or GOFIPS140", [path])
}

deny contains msg if {
	claims_fips
	some p in input.packages
	matches_any(p.name, non_fips_patterns)
	msg := sprintf("image claims FIPS but contains non-FIPS crypto library %s %s", [p.name, p.version])
}
