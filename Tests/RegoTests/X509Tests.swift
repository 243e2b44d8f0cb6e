import Foundation
import Rego
import TailguardTesting
import Testing

/// `crypto.x509.parse_certificates` / `parse_certificate_request` against Go:
/// OPA returns Go's `x509.Certificate` (plus `URIStrings`) as JSON, so a Go
/// program (standard library only, written here) applies OPA's input handling
/// (PEM, base64 of PEM, base64 of DER) and prints `json.Marshal` of the result.
/// Inputs: the real certificates in ../shared/data/sigstore and certificates /
/// requests openssl generates in the test (RSA, RSA-PSS, P-256/384/521, Ed25519,
/// SANs of every kind, name constraints, policies, AIA, CRL points).
///
/// The installed Go is 1.19; OPA is built with Go 1.24+, whose Certificate has
/// more fields (Policies, PolicyMappings, Inhibit*/RequireExplicit*) and whose
/// ECDSA curve object encodes as {} — those are left out of the comparison and
/// checked separately.
@Suite struct X509Tests {
  static let newerFields: [Value] = [
    "Policies", "PolicyMappings", "InhibitAnyPolicy", "InhibitAnyPolicyZero",
    "InhibitPolicyMapping", "InhibitPolicyMappingZero", "RequireExplicitPolicy",
    "RequireExplicitPolicyZero",
  ]

  static let goProgram = #"""
    package main

    import (
    	"bytes"
    	"crypto/x509"
    	"encoding/base64"
    	"encoding/json"
    	"encoding/pem"
    	"fmt"
    	"os"
    	"strconv"
    	"strings"
    )

    type extendedCert struct {
    	x509.Certificate
    	URIStrings []string
    }

    func fromPem(b []byte) ([]*x509.Certificate, error) {
    	var der []byte
    	for len(b) > 0 {
    		p, r := pem.Decode(b)
    		if p != nil && p.Type != "CERTIFICATE" {
    			return nil, fmt.Errorf("PEM block type is '%s', expected CERTIFICATE", p.Type)
    		}
    		if p == nil {
    			break
    		}
    		b = r
    		der = append(der, p.Bytes...)
    	}
    	return x509.ParseCertificates(der)
    }

    func certs(s string) (any, error) {
    	var cs []*x509.Certificate
    	var err error
    	if strings.HasPrefix(s, "-----BEGIN") {
    		cs, err = fromPem([]byte(s))
    	} else {
    		var b []byte
    		if b, err = base64.StdEncoding.DecodeString(s); err == nil {
    			if bytes.HasPrefix(b, []byte("-----BEGIN")) {
    				cs, err = fromPem(b)
    			} else {
    				cs, err = x509.ParseCertificates(b)
    			}
    		}
    	}
    	if err != nil {
    		return nil, err
    	}
    	out := make([]extendedCert, len(cs))
    	for i, c := range cs {
    		out[i].Certificate = *c
    		if c.URIs != nil {
    			out[i].URIStrings = make([]string, len(c.URIs))
    			for j, u := range c.URIs {
    				out[i].URIStrings[j] = u.String()
    			}
    		}
    	}
    	return out, nil
    }

    func csr(s string) (any, error) {
    	b := []byte(s)
    	var err error
    	if !strings.HasPrefix(s, "-----BEGIN CERTIFICATE REQUEST-----") {
    		if b, err = base64.StdEncoding.DecodeString(s); err != nil {
    			return nil, err
    		}
    	}
    	p, _ := pem.Decode(b)
    	if p != nil && p.Type != "CERTIFICATE REQUEST" {
    		return nil, fmt.Errorf("invalid PEM-encoded certificate signing request")
    	}
    	if p != nil {
    		b = p.Bytes
    	}
    	return x509.ParseCertificateRequest(b)
    }

    func tame(x any) any {
    	switch v := x.(type) {
    	case map[string]any:
    		for k, e := range v {
    			v[k] = tame(e)
    		}
    	case []any:
    		for i, e := range v {
    			v[i] = tame(e)
    		}
    	case json.Number:
    		if _, err := strconv.ParseFloat(string(v), 64); err != nil {
    			return nil
    		}
    	}
    	return x
    }

    func main() {
    	var reqs [][2]string
    	if err := json.NewDecoder(os.Stdin).Decode(&reqs); err != nil {
    		panic(err)
    	}
    	out := []json.RawMessage{}
    	for _, r := range reqs {
    		var v any
    		var err error
    		if r[0] == "csr" {
    			v, err = csr(r[1])
    		} else {
    			v, err = certs(r[1])
    		}
    		var b []byte
    		if err == nil {
    			b, err = json.Marshal(map[string]any{"v": v})
    		}
    		if err == nil {
    			// tailguard's numbers are doubles: integers beyond a double's range
    			// (RSA moduli) are null there, so they are here
    			var x any
    			d := json.NewDecoder(bytes.NewReader(b))
    			d.UseNumber()
    			if err = d.Decode(&x); err == nil {
    				b, err = json.Marshal(tame(x))
    			}
    		}
    		if err != nil {
    			b, _ = json.Marshal(map[string]string{"e": err.Error()})
    		}
    		out = append(out, b)
    	}
    	json.NewEncoder(os.Stdout).Encode(out)
    }
    """#

  static func sh(_ script: String, in dir: String) throws -> OracleSupport.Run {
    try OracleSupport.python(
      [
        "-c",
        "import subprocess,sys; p=subprocess.run(['bash','-c',sys.argv[1]],cwd=sys.argv[2],capture_output=True); sys.stdout.write(p.stdout.decode()); sys.stdout.write(p.stderr.decode()); sys.exit(p.returncode)",
        script, dir,
      ])
  }

  /// openssl-made certificates and requests covering the parser's branches.
  static func generated(in dir: String) throws -> [(String, String)] {
    let script = #"""
      set -e
      cat > ext.cnf <<'EOF'
      [leaf]
      basicConstraints = critical, CA:FALSE
      keyUsage = critical, digitalSignature, keyEncipherment, decipherOnly
      extendedKeyUsage = serverAuth, clientAuth, codeSigning, 1.2.3.4.5
      subjectAltName = DNS:example.com, DNS:*.example.org, IP:10.1.2.3, IP:2001:db8::1, email:ops@example.com, URI:spiffe://td/ns/a/sa/b, URI:https://user@example.com:8443/p%20q?x=1
      subjectKeyIdentifier = hash
      authorityKeyIdentifier = keyid
      authorityInfoAccess = OCSP;URI:http://ocsp.example.com, caIssuers;URI:http://ca.example.com/ca.crt
      crlDistributionPoints = URI:http://crl.example.com/a.crl, URI:ldap://crl.example.com/b
      certificatePolicies = 2.23.140.1.2.1, 1.3.6.1.4.1.99999.1
      1.3.6.1.4.1.57264.1.1 = ASN1:UTF8String:https://token.actions.githubusercontent.com
      [ca]
      basicConstraints = critical, CA:TRUE, pathlen:1
      keyUsage = critical, keyCertSign, cRLSign
      nameConstraints = critical, permitted;DNS:.example.com, permitted;IP:10.0.0.0/255.0.0.0, permitted;email:example.com, permitted;URI:.example.com, excluded;DNS:bad.example.com, excluded;IP:2001:db8::/ffff:ffff::
      policyConstraints = requireExplicitPolicy:0, inhibitPolicyMapping:2
      inhibitAnyPolicy = 1
      subjectKeyIdentifier = hash
      [critical_unknown]
      basicConstraints = CA:FALSE
      1.2.3.4.5.6 = critical, ASN1:NULL
      [req]
      distinguished_name = dn
      [dn]
      EOF
      subj='/C=DE/ST=Berlin/L=Berlin/O=Example GmbH/OU=Platform/OU=Security/CN=Example Root/serialNumber=42/postalCode=10115/street=Main St 1'
      openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 -subj "$subj" -config ext.cnf -extensions ca -set_serial 0x00c0ffee00c0ffee00c0ffee00c0ffee 2>/dev/null
      openssl ecparam -name prime256v1 -genkey -noout -out p256.key
      openssl req -new -key p256.key -out p256.csr -subj '/CN=leaf.example.com/O=Example' -addext 'subjectAltName=DNS:leaf.example.com,IP:192.0.2.1' 2>/dev/null
      openssl x509 -req -in p256.csr -CA ca.pem -CAkey ca.key -out p256.pem -days 30 -extfile ext.cnf -extensions leaf -set_serial 7 2>/dev/null
      openssl ecparam -name secp384r1 -genkey -noout -out p384.key
      openssl req -x509 -key p384.key -out p384.pem -days 1 -subj '/CN=P-384 é UTF8/O=Ünïcode' -config ext.cnf -extensions critical_unknown -sha384 2>/dev/null
      openssl ecparam -name secp521r1 -genkey -noout -out p521.key
      openssl req -x509 -key p521.key -out p521.pem -days 1 -subj '/CN=P-521' -sha512 -config ext.cnf -extensions leaf 2>/dev/null
      openssl genpkey -algorithm ed25519 -out ed.key
      openssl req -x509 -key ed.key -out ed.pem -days 1 -subj '/CN=ed25519' -config ext.cnf -extensions leaf 2>/dev/null
      openssl req -new -key ed.key -out ed.csr -subj '/CN=ed csr' -addext 'subjectAltName=email:a@b.c,URI:urn:x:y' 2>/dev/null
      openssl req -x509 -newkey rsa:2048 -nodes -keyout pss.key -out pss.pem -days 1 -subj '/CN=pss' -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -sha256 -config ext.cnf -extensions leaf 2>/dev/null
      openssl req -x509 -newkey rsa:1024 -nodes -keyout v1.key -out v1.pem -days 1 -subj '/CN=v1 cert' -config ext.cnf -sha1 2>/dev/null
      openssl req -new -newkey rsa:2048 -nodes -keyout r.key -out rsa.csr -subj '/CN=rsa csr/O=Example' 2>/dev/null
      openssl x509 -in p256.pem -outform DER -out p256.der
      """#
    let r = try sh(script, in: dir)
    try #require(r.status == 0, "openssl: \(r.stdout)")
    var out: [(String, String)] = []
    for f in ["ca.pem", "p256.pem", "p384.pem", "p521.pem", "ed.pem", "pss.pem", "v1.pem"] {
      out.append(("cert", try String(contentsOfFile: dir + "/" + f, encoding: .utf8)))
    }
    let chain = try ["p256.pem", "ca.pem"].map {
      try String(contentsOfFile: dir + "/" + $0, encoding: .utf8)
    }
    out.append(("cert", chain.joined(separator: "\n")))
    out.append(("cert", Data(chain.joined().utf8).base64EncodedString()))
    let der = try Data(contentsOf: URL(fileURLWithPath: dir + "/p256.der"))
    out.append(("cert", der.base64EncodedString()))
    out.append(("cert", (der + der).base64EncodedString()))
    for f in ["p256.csr", "ed.csr", "rsa.csr"] {
      let text = try String(contentsOfFile: dir + "/" + f, encoding: .utf8)
      out.append(("csr", text))
      out.append(("csr", Data(text.utf8).base64EncodedString()))
    }
    return out
  }

  static func sharedCertificates() -> [(String, String)] {
    let root = SharedData.path("sigstore")
    guard let en = FileManager.default.enumerator(atPath: root) else { return [] }
    var out: [(String, String)] = []
    var files: [String] = []
    while let rel = en.nextObject() as? String { files.append(rel) }
    for rel in files.sorted() {
      guard rel.hasSuffix(".pem") || rel.hasSuffix(".crt"),
        let text = try? String(contentsOfFile: root + "/" + rel, encoding: .utf8)
      else { continue }
      out.append(("cert", text))
    }
    return out
  }

  static let malformed: [(String, String)] = [
    ("cert", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
    (
      "cert",
      "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n"
    ),
    ("cert", "not base64!"),
    ("cert", "-----BEGIN nothing"),
    ("cert", Data([0x30, 0x03, 0x02, 0x01, 0x01]).base64EncodedString()),
    ("cert", ""),
    ("csr", "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n"),
  ]

  static func runGo(_ inputs: [(String, String)], dir: String) throws -> [OracleSupport.Outcome] {
    try goProgram.write(toFile: dir + "/main.go", atomically: true, encoding: .utf8)
    let req = JSONCodec.encode(.array(inputs.map { .array([.string($0.0), .string($0.1)]) }))
    try req.write(toFile: dir + "/req.json", atomically: true, encoding: .utf8)
    let r = try sh("GO111MODULE=off GOCACHE=$PWD/cache go run main.go < req.json", in: dir)
    guard case .array(let rows) = try JSONCodec.decode(r.stdout), rows.count == inputs.count else {
      throw RegoError(.dataError, "go: \(r.stdout.prefix(400))")
    }
    return rows.map { row in
      if case .object(let o) = row, let v = o["v"] { return .value(v) }
      return .error("go")
    }
  }

  static func tailguard(_ kind: String, _ input: String) -> OracleSupport.Outcome {
    let name =
      kind == "csr" ? "crypto.x509.parse_certificate_request" : "crypto.x509.parse_certificates"
    do {
      let options = Engine.Options(strictBuiltinErrors: true)
      let program = try Engine(options: options).compile()
      let r = try Engine.evaluate(
        query: "x := \(name)(input.s)", program: program, input: .object(["s": .string(input)]),
        options: options)
      return r.rows.first?.bindings["x"].map { .value($0) } ?? .undefined
    } catch {
      return .error("\(error)")
    }
  }

  /// Drops what Go 1.19 cannot say (see the suite comment).
  static func comparable(_ v: Value) -> Value {
    switch v {
    case .array(let a): return .array(a.map(comparable))
    case .object(var o):
      for f in newerFields { o[f] = nil }
      if case .object(var pk)? = o["PublicKey"], pk["Curve"] != nil {
        pk["Curve"] = nil
        o["PublicKey"] = .object(pk)
      }
      return .object(o)
    default: return v
    }
  }

  static var goAvailable: Bool { GoOracleTests.goAvailable }

  @Test(.enabled(if: Oracles.gate(goAvailable || OracleSupport.requireOracles), "go not installed"))
  func agreeWithGo() throws {
    try #require(Self.goAvailable, "go is not installed: run ../shared/data/install-oracles.sh")
    let dir = try TemporaryDirectory()
    let inputs = try Self.generated(in: dir.path) + Self.sharedCertificates() + Self.malformed
    #expect(inputs.count > 30)
    let oracle = try Self.runGo(inputs, dir: dir.path)
    var agree = 0
    for ((kind, input), want) in zip(inputs, oracle) {
      let got = Self.tailguard(kind, input)
      let a: OracleSupport.Outcome
      let b: OracleSupport.Outcome
      switch (got, want) {
      case (.value(let g), .value(let w)):
        (a, b) = (.value(Self.comparable(g)), .value(Self.comparable(w)))
      case (.error, .error): (a, b) = (.error(""), .error(""))
      default: (a, b) = (got, want)
      }
      if a == b {
        agree += 1
      } else if case .value(let g) = a, case .value(let w) = b {
        Issue.record("\(kind) \(input.prefix(60))…\n\(Self.diff(g, w, path: "$"))")
      } else {
        Issue.record("\(kind) \(input.prefix(60))…\n got \(got)\nwant \(want)")
      }
    }
    print("x509 inputs agreeing with Go's crypto/x509: \(agree)/\(inputs.count)")
  }

  static func diff(_ a: Value, _ b: Value, path: String) -> String {
    switch (a, b) {
    case (.object(let x), .object(let y)):
      for k in Set(x.keys).union(y.keys).sorted() where x[k] != y[k] {
        return diff(
          x[k] ?? .null, y[k] ?? .null, path: path + "." + (k.stringValue ?? JSONCodec.encode(k)))
      }
    case (.array(let x), .array(let y)) where x.count == y.count:
      for (i, (p, q)) in zip(x, y).enumerated() where p != q {
        return diff(p, q, path: path + "[\(i)]")
      }
    default: break
    }
    return "\(path): got \(JSONCodec.encode(a).prefix(300)) want \(JSONCodec.encode(b).prefix(300))"
  }

  /// The Go 1.24 fields Go 1.19 lacks, from the generated CA and leaf.
  @Test func newerGoFields() throws {
    let dir = try TemporaryDirectory()
    let inputs = try Self.generated(in: dir.path)
    guard case .value(.array(let ca)) = Self.tailguard("cert", inputs[0].1),
      case .object(let c)? = ca.first
    else {
      Issue.record("CA did not parse")
      return
    }
    #expect(c["RequireExplicitPolicy"] == .int(0))
    #expect(c["RequireExplicitPolicyZero"] == .bool(true))
    #expect(c["InhibitPolicyMapping"] == .int(2))
    #expect(c["InhibitPolicyMappingZero"] == .bool(false))
    #expect(c["InhibitAnyPolicy"] == .int(1))
    #expect(c["PolicyMappings"] == .null)
    #expect(
      c["SerialNumber"]
        == .number(Number(parsing: "1002111867823618826746863804903129070") ?? Number(0)))
    guard case .value(.array(let leaf)) = Self.tailguard("cert", inputs[1].1),
      case .object(let l)? = leaf.first
    else {
      Issue.record("leaf did not parse")
      return
    }
    #expect(l["Policies"] == .array(["2.23.140.1.2.1", "1.3.6.1.4.1.99999.1"]))
    #expect(
      l["PolicyIdentifiers"]
        == .array([
          .array([2, 23, 140, 1, 2, 1].map { .int($0) }),
          .array([1, 3, 6, 1, 4, 1, 99999, 1].map { .int($0) }),
        ]))
    #expect(
      l["URIStrings"]
        == .array(["spiffe://td/ns/a/sa/b", "https://user@example.com:8443/p%20q?x=1"]))
    if case .object(let pk)? = l["PublicKey"] { #expect(pk["Curve"] == .emptyObject) }
  }

  /// A policy reading the certificate of a keyless (Fulcio) signature.
  @Test func sigstoreCertificateInAPolicy() throws {
    let pem = try String(
      contentsOfFile: SharedData.path("sigstore/sigstore-python/test/assets/bundle.txt.crt"),
      encoding: .utf8)
    var engine = Engine()
    try engine.addModule(
      """
      package sig
      import rego.v1
      cert := crypto.x509.parse_certificates(input.pem)[0]
      issuer := cert.Issuer.Organization[0]
      emails := cert.EmailAddresses
      """, file: "sig.rego")
    let program = try engine.compile()
    let r = try Engine.evaluate(
      query: "data.sig", program: program, input: .object(["pem": .string(pem)]))
    guard case .object(let o)? = r.rows.first?.expressions.first?.value else {
      Issue.record("no result")
      return
    }
    #expect(o["issuer"] == "sigstore.dev")
    #expect(o["emails"] != nil)
  }
}
