import Foundation
import Rego
import TailguardTesting
import Testing

/// `io.jwt.decode` and `io.jwt.verify_hs*/es*/eddsa` against tokens, keys and
/// certificates made by an independent implementation (PyJWT and `cryptography`,
/// installed with the sigstore oracle). Expectations follow OPA's tokens.go: the
/// decode triple is [header, payload, hex(signature)]; a key set is searched by
/// `kid` first, keys whose `alg` differs from the token's are skipped, a key of
/// the wrong type does not verify (false), a malformed token or key is an error.
@Suite struct JWTTests {
  static let generator = #"""
    import base64, datetime, json, sys
    import jwt
    from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm
    from cryptography import x509
    from cryptography.x509.oid import NameOID
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    def pem_pub(k):
        return k.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    def cert(k, algo):
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jwt test")])
        now = datetime.datetime(2024, 1, 1)
        c = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(k.public_key())
             .serial_number(7).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650)))
        return c.sign(k, algo).public_bytes(serialization.Encoding.PEM).decode()

    def jwk(alg_cls, k, **extra):
        d = json.loads(alg_cls.to_jwk(k.public_key()))
        d.update(extra)
        return d

    def b64(b):
        return base64.urlsafe_b64encode(b).decode().rstrip("=")

    claims = {"sub": "alice", "iss": "https://issuer.example", "aud": ["a", "b"], "n": 1.5, "ok": True}
    p256, p256b = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    p384, p521 = ec.generate_private_key(ec.SECP384R1()), ec.generate_private_key(ec.SECP521R1())
    ed, edb = ed25519.Ed25519PrivateKey.generate(), ed25519.Ed25519PrivateKey.generate()
    rk = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    es256 = jwt.encode(claims, p256, algorithm="ES256")
    es256kid = jwt.encode(claims, p256, algorithm="ES256", headers={"kid": "k1"})
    es384 = jwt.encode(claims, p384, algorithm="ES384")
    es512 = jwt.encode(claims, p521, algorithm="ES512")
    eddsa = jwt.encode(claims, ed, algorithm="EdDSA")
    rs256 = jwt.encode(claims, rk, algorithm="RS256")
    hs = {b: jwt.encode(claims, "s3cret", algorithm="HS" + b) for b in ["256", "384", "512"]}
    h, p, s = es256.split(".")
    tampered = h + "." + b64(json.dumps({"sub": "mallory"}).encode()) + "." + s

    cases = []
    def case(expr, token, key, want):
        cases.append({"expr": expr, "input": {"token": token, "key": key}, "want": want})

    for b in ["256", "384", "512"]:
        case("io.jwt.verify_hs" + b + "(input.token, input.key)", hs[b], "s3cret", True)
        case("io.jwt.verify_hs" + b + "(input.token, input.key)", hs[b], "wrong", False)
    case("io.jwt.verify_hs256(input.token, input.key)", hs["384"], "s3cret", False)
    case("io.jwt.verify_hs256(input.token, input.key)", "a.b", "s3cret", "error")

    v = "io.jwt.verify_es256(input.token, input.key)"
    case(v, es256, pem_pub(p256), True)
    case(v, es256, pem_pub(p256b), False)
    case(v, tampered, pem_pub(p256), False)
    case(v, es256, cert(p256, hashes.SHA256()), True)
    case(v, es256, json.dumps(jwk(ECAlgorithm, p256)), True)
    case(v, es256, json.dumps({"keys": [jwk(ECAlgorithm, p256b), jwk(ECAlgorithm, p256)]}), True)
    case(v, es256kid, json.dumps({"keys": [jwk(ECAlgorithm, p256b, kid="k1"), jwk(ECAlgorithm, p256, kid="k2")]}), False)
    case(v, es256kid, json.dumps({"keys": [jwk(ECAlgorithm, p256b, kid="k0"), jwk(ECAlgorithm, p256, kid="k1")]}), True)
    case(v, es256, json.dumps({"keys": [jwk(ECAlgorithm, p256, alg="ES384")]}), False)
    case(v, es256, json.dumps({"keys": [jwk(ECAlgorithm, p256, alg="XX999")]}), False)
    case(v, es256, json.dumps({"keys": [jwk(ECAlgorithm, p256, alg="ES256")]}), True)
    case(v, es256, pem_pub(rk), False)
    case(v, es256, json.dumps(jwk(RSAAlgorithm, rk)), False)
    case(v, rs256, pem_pub(p256), False)
    case(v, es256, "not a key", "error")
    case(v, es256, pem_pub(p256) + "trailing", "error")
    case(v, "only.two", pem_pub(p256), "error")
    case("io.jwt.verify_es384(input.token, input.key)", es384, pem_pub(p384), True)
    case("io.jwt.verify_es384(input.token, input.key)", es384, cert(p384, hashes.SHA384()), True)
    case("io.jwt.verify_es512(input.token, input.key)", es512, pem_pub(p521), True)
    case("io.jwt.verify_es512(input.token, input.key)", es512, json.dumps(jwk(ECAlgorithm, p521)), True)
    case("io.jwt.verify_es384(input.token, input.key)", es256, pem_pub(p256), False)
    e = "io.jwt.verify_eddsa(input.token, input.key)"
    case(e, eddsa, pem_pub(ed), True)
    case(e, eddsa, pem_pub(edb), False)
    case(e, eddsa, json.dumps(jwk(OKPAlgorithm, ed)), True)
    case(e, eddsa, cert(ed, None), True)
    case(e, es256, pem_pub(ed), False)

    d = "io.jwt.decode(input.token)"
    for t in [es256, es256kid, hs["256"], eddsa]:
        hh, pp, ss = t.split(".")
        pad = lambda x: x + "=" * (-len(x) % 4)
        want = [json.loads(base64.urlsafe_b64decode(pad(hh))), json.loads(base64.urlsafe_b64decode(pad(pp))),
                base64.urlsafe_b64decode(pad(ss)).hex()]
        case(d, t, None, want)
    inner = hs["256"]
    outer_h = b64(json.dumps({"alg": "HS256", "cty": "JWT"}).encode())
    nested = outer_h + "." + b64(json.dumps(inner).encode()) + ".c2ln"
    hh, pp, ss = inner.split(".")
    case(d, nested, None, [json.loads(base64.urlsafe_b64decode(hh + "=" * (-len(hh) % 4))),
                           json.loads(base64.urlsafe_b64decode(pp + "=" * (-len(pp) % 4))),
                           base64.urlsafe_b64decode(ss + "=" * (-len(ss) % 4)).hex()])
    case(d, b64(json.dumps({"alg": "none"}).encode()) + "." + b64(b"[1]") + ".", None, "error")
    case(d, b64(json.dumps({"enc": "A128GCM"}).encode()) + "." + b64(b"{}") + ".", None, "error")
    case(d, "a.b", None, "error")
    case(d, "nodots", None, "error")
    case(d, base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).decode() + "."
         + b64(b'{"x":1}') + ".", None, [{"alg": "none", "typ": "JWT"}, {"x": 1}, ""])
    print(json.dumps(cases))
    """#

  static let available: Bool =
    (try? OracleSupport.python(["-c", "import jwt, cryptography"]).status) == 0

  @Test(
    .enabled(
      if: Oracles.gate(available || OracleSupport.requireOracles),
      "PyJWT/cryptography not installed"))
  func agreeWithIndependentTokens() throws {
    try #require(
      Self.available, "PyJWT/cryptography missing: run ../shared/data/install-oracles.sh")
    let r = try OracleSupport.python(["-c", Self.generator])
    guard r.status == 0, case .array(let cases) = try JSONCodec.decode(r.stdout) else {
      Issue.record("generator failed: \(r.stdout.prefix(300))")
      return
    }
    #expect(cases.count > 40)
    for c in cases {
      guard case .object(let o) = c, case .string(let expr)? = o["expr"], let want = o["want"]
      else {
        continue
      }
      let input = o["input"]
      let got = OracleSupport.tailguard(expr, strict: true, input: input)
      switch want {
      case .string("error"):
        if case .error = got {
        } else {
          Issue.record("\(expr) on \(JSONCodec.encode(input ?? .null)): want error, got \(got)")
        }
        #expect(OracleSupport.tailguard(expr, input: input) == .undefined)
      default:
        #expect(got == .value(want), "\(expr) on \(JSONCodec.encode(input ?? .null).prefix(200))")
      }
    }
  }
}
