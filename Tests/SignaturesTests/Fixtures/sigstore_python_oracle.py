#!/usr/bin/env python3
"""sigstore_python_oracle.py DATA_ROOT CASES_TSV: verdicts of sigstore-python (the library behind
`sigstore verify identity --offline`) for each case row `bundle artifact root verdict identity issuer`.
An artifact of `-` verifies the DSSE envelope alone (Verifier.verify_dsse). Prints `index<TAB>pass|fail<TAB>reason`."""
import os, sys, json
from sigstore.models import Bundle, TrustedRoot, ClientTrustConfig
from sigstore.verify import Verifier, policy
data, cases = sys.argv[1], sys.argv[2]
roots = {"staging": "staging_trusted_root_from_sigstore-python-4.5.1.json",
         "prod": "prod_trusted_root_from_sigstore-python-4.5.1.json",
         "tsa": "sigstore-python/test/assets/tsa/trust_config.json"}
def load_root(name):
    text = open(os.path.join(data, roots[name])).read()
    if "clienttrustconfig" in json.loads(text).get("mediaType", ""):
        return ClientTrustConfig.from_json(text).trusted_root
    return TrustedRoot.from_file(os.path.join(data, roots[name]))
index = -1
for line in open(cases):
    if line.startswith("#") or not line.strip(): continue
    index += 1
    b, art, root, _, ident, iss = line.rstrip("\n").split("\t")
    try:
        bundle = Bundle.from_json(open(os.path.join(data, b), "rb").read())
        v = Verifier(trusted_root=load_root(root))
        pol = policy.Identity(identity=ident, issuer=iss)
        if art == "-":
            v.verify_dsse(bundle, pol)
        else:
            v.verify_artifact(open(os.path.join(data, art), "rb").read(), bundle, pol)
        print(f"{index}\tpass\t")
    except Exception as e:
        print(f"{index}\tfail\t{type(e).__name__}: {' '.join(str(e).split())[:200]}")
