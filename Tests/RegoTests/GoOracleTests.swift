import Foundation
import Rego
import TailguardTesting
import Testing

/// Builtins that OPA implements as thin wrappers over Go's standard library
/// (`time`, `net`, `net/url`, `crypto/hmac`, `encoding/hex`) checked against Go
/// itself: a small Go program (written here, standard library only) applies the
/// same calls OPA makes to each case. The Go toolchain is installed by
/// ../shared/data/install-oracles.sh (Debian's go 1.19; OPA is built with a newer
/// Go, which differs only where noted).
@Suite struct GoOracleTests {
  struct Case: Sendable, CustomStringConvertible {
    var expr: String
    var op: String
    var args: [String]
    var description: String { expr }
  }

  static func c(_ expr: String, _ op: String, _ args: String...) -> Case {
    Case(expr: expr, op: op, args: args)
  }

  static let ns = "1709209845123456789"  // 2024-02-29T12:30:45.123456789Z

  static let cases: [Case] = {
    var out: [Case] = []
    let zones = [
      "UTC", "", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Lord_Howe",
      "Pacific/Chatham", "America/St_Johns", "Asia/Kathmandu",
    ]
    let layouts = [
      "", "RFC3339", "RFC3339Nano", "RFC1123", "RFC1123Z", "RFC822", "RFC822Z", "RFC850",
      "ANSIC", "UnixDate", "RubyDate", "2006-01-02T15:04:05.000Z07:00",
      "Mon Jan _2 3:04:05.999 PM -07 MST 06", "Monday, January 2 2006 15h04 Z0700 Z07 -07:00:00",
      "002 __2 _2 2 02 1 01 .9 ,000 pm", "Jan 2006 hello 15:4:5 Z070000 -070000",
    ]
    let instants = [
      ns, "0", "-1", "1710054000000000000", "1698541200999000000", "-62135596800000000000",
    ]
    for z in zones {
      for l in layouts {
        out.append(
          c(#"time.format([\#(ns), "\#(z)", "\#(l)"])"#, "format", ns, z, l))
      }
      for t in instants.dropLast() {
        out.append(c(#"time.format([\#(t), "\#(z)"])"#, "format", t, z, ""))
        out.append(c(#"time.date([\#(t), "\#(z)"])"#, "date", t, z))
        out.append(c(#"time.clock([\#(t), "\#(z)"])"#, "clock", t, z))
        out.append(c(#"time.weekday([\#(t), "\#(z)"])"#, "weekday", t, z))
        for (y, m, d) in [(0, 1, 0), (1, -2, 40), (-3, 14, -400), (0, 0, 365)] {
          out.append(
            c(
              #"time.add_date([\#(t), "\#(z)"], \#(y), \#(m), \#(d))"#, "add_date", t, z, "\(y)",
              "\(m)", "\(d)"))
        }
      }
    }
    let parses: [(String, String)] = [
      ("2006-01-02", "2024-02-29"), ("2006-01-02", "2023-02-29"), ("2006-01-02", "2024-13-01"),
      ("RFC3339", "2024-02-29T12:30:45+05:30"), ("RFC3339", "2024-02-29T12:30:45.5Z"),
      ("RFC3339Nano", "2024-02-29T12:30:45.123456789-08:00"),
      ("RFC1123", "Thu, 29 Feb 2024 12:30:45 GMT"),
      ("RFC1123", "Thu, 29 Feb 2024 12:30:45 UTC"), ("RFC1123Z", "Thu, 29 Feb 2024 12:30:45 +0100"),
      ("RFC822", "29 Feb 24 12:30 PST"), ("ANSIC", "Thu Feb  9 12:30:45 2024"),
      ("ANSIC", "thu feb  9 12:30:45 2024"), ("Jan _2 2006 3:04PM", "Feb  9 2021 1:05AM"),
      ("Jan _2 2006 3:04PM", "Feb 9 2021 12:05AM"),
      ("2006-01-02 15:04:05", "2024-01-01 10:00:00.25"),
      ("2006-01-02 15:04:05.000", "2024-01-01 10:00:00.2"),
      ("2006-01-02 15:04:05.999", "2024-01-01 10:00:00"),
      ("02/01/06", "31/12/99"), ("02/01/06", "31/12/68"), ("2006 002", "2024 060"),
      ("2006 __2", "2023  60"),
      ("2006-01-02T15:04:05Z07:00", "2024-02-29T25:30:45Z"), ("2006-01-02", "2024-02-29 extra"),
      ("15:04 MST", "10:00 CEST"), ("15:04 MST", "10:00 GMT+3"), ("15:04 -07", "10:00 +05"),
      ("Monday 2006-01-02", "Friday 2024-03-01"), ("2006-01-02", " 2024-03-01"),
    ]
    for (l, v) in parses {
      out.append(c(#"time.parse_ns("\#(l)", "\#(v)")"#, "parse_ns", l, v))
    }
    let uris = [
      "https://example.com:8080/api?q=1#top", "http://user:pw@[::1]:80/a%20b/c?x=%41",
      "mailto:a@b.c",
      "/relative/path", "//host.only", "file:///etc/passwd", "http://exa%6dple.com/",
      "http://a b.com/",
      "http://host:port/", "spiffe://td/ns/default/sa/x", "HTTP://Example.COM/%7Efoo",
      "http://[::1",
      "1http://x", ":nope", "a:b/c", "http://h/p?q#f%zz", "http://h/%2F%2f?", "*", "http://a]b/",
      "http://\u{7f}x", "https://例え.jp/パス",
    ]
    for u in uris {
      out.append(c(#"uri.parse("\#(u)")"#, "uri", u))
      out.append(c(#"uri.is_valid("\#(u)")"#, "uri_valid", u))
    }
    let cidrs: [(String, String)] = [
      ("10.0.0.0/8", "10.1.2.3"), ("10.0.0.0/8", "11.0.0.1"), ("10.0.0.0/8", "10.128.0.0/9"),
      ("10.0.0.0/8", "10.0.0.0/7"), ("10.0.0.0/8", "::ffff:10.1.1.1"), ("::ffff:0:0/96", "1.2.3.4"),
      ("2001:db8::/32", "2001:db8::1"), ("2001:db8::/32", "2001:db8:ffff::/48"),
      ("10.0.0.0/8", "x"),
      ("10.0.0.0/8", "010.1.2.3"), ("0.0.0.0/0", "255.255.255.255"), ("::/0", "1.2.3.4"),
      ("1.2.3.4/32", "1.2.3.4/32"), ("fe80::1%eth0/64", "fe80::2"), ("10.0.0.0/8", "10.1.2.3%x"),
      ("::1.2.3.4/120", "::1.2.3.9"), ("1:2:3:4:5:6:7:8/128", "1:2:3:4:5:6:7:8"),
      ("1::2::3/64", "1::"), ("10.0.0.0/08", "10.0.0.1"), ("10.0.0.0/+8", "10.0.0.1"),
    ]
    for (a, b) in cidrs {
      out.append(c(#"net.cidr_contains("\#(a)", "\#(b)")"#, "cidr_contains", a, b))
      out.append(c(#"net.cidr_intersects("\#(a)", "\#(b)")"#, "cidr_intersects", a, b))
      out.append(c(#"net.cidr_is_valid("\#(a)")"#, "cidr_is_valid", a))
    }
    for e in [
      "192.168.1.0/29", "10.0.0.255/31", "2001:db8::ff/125", "::ffff:1.2.3.0/126", "1.2.3.4/32",
    ] {
      out.append(c(#"net.cidr_expand("\#(e)")"#, "cidr_expand", e))
    }
    // net.cidr_merge on CIDR lists from a fixed pseudo-random generator
    var seed: UInt64 = 0x9e37_79b9_7f4a_7c15
    func next(_ n: UInt64) -> Int {
      seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((seed >> 33) % n)
    }
    for _ in 0..<60 {
      var list: [String] = []
      for _ in 0..<(1 + next(8)) {
        let prefix = 20 + next(12)
        let addr = 0x0a00_0000 | (next(1 << 14) << 8)
        list.append(
          "\((addr >> 24) & 255).\((addr >> 16) & 255).\((addr >> 8) & 255).\(addr & 255)/\(prefix)"
        )
      }
      if next(4) == 0 { list.append("2001:db8:\(String(next(4), radix: 16))::/\(46 + next(4))") }
      let rego = "[" + list.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
      out.append(Case(expr: "net.cidr_merge(\(rego))", op: "cidr_merge", args: list))
    }
    for alg in ["md5", "sha1", "sha256", "sha512"] {
      out.append(c(#"crypto.hmac.\#(alg)("message", "key")"#, "hmac", alg, "message", "key"))
      out.append(c(#"crypto.hmac.\#(alg)("", "héllo")"#, "hmac", alg, "", "héllo"))
    }
    for h in ["68656c6c6f", "48454C4C4F", "", "6g", "686", "zz"] {
      out.append(c(#"hex.decode("\#(h)")"#, "hex_decode", h))
    }
    for q in ["a=1&b=x%20y&a=2&c", "a=%zz", "", "a=1;b=2", "a+b=c+d&&=x&k=", "%41=%42%43"] {
      out.append(c(#"urlquery.decode_object("\#(q)")"#, "query", q))
    }
    return out
  }()

  static let program = #"""
    package main

    import (
    	"crypto/hmac"
    	"crypto/md5"
    	"crypto/sha1"
    	"crypto/sha256"
    	"crypto/sha512"
    	"encoding/hex"
    	"encoding/json"
    	"hash"
    	"math/big"
    	"net"
    	"net/url"
    	"os"
    	"sort"
    	"strconv"
    	"time"
    )

    type req struct {
    	Op   string   `json:"op"`
    	Args []string `json:"args"`
    }

    var named = map[string]string{"ANSIC": time.ANSIC, "UnixDate": time.UnixDate, "RubyDate": time.RubyDate,
    	"RFC822": time.RFC822, "RFC822Z": time.RFC822Z, "RFC850": time.RFC850, "RFC1123": time.RFC1123,
    	"RFC1123Z": time.RFC1123Z, "RFC3339": time.RFC3339, "RFC3339Nano": time.RFC3339Nano}

    func at(ns, tz string) (time.Time, error) {
    	n, err := strconv.ParseInt(ns, 10, 64)
    	if err != nil {
    		return time.Time{}, err
    	}
    	loc := time.UTC
    	if tz != "" && tz != "UTC" {
    		if loc, err = time.LoadLocation(tz); err != nil {
    			return time.Time{}, err
    		}
    	}
    	return time.Unix(0, n).In(loc), nil
    }

    func safe(t time.Time) (any, error) {
    	if t.Before(time.Unix(0, -1<<63)) || t.After(time.Unix(0, 1<<63-1)) {
    		return nil, os.ErrInvalid
    	}
    	return json.Number(strconv.FormatInt(t.UnixNano(), 10)), nil
    }

    func eval(r req) (any, error) {
    	a := r.Args
    	switch r.Op {
    	case "format":
    		t, err := at(a[0], a[1])
    		if err != nil {
    			return nil, err
    		}
    		l := a[2]
    		if l == "" {
    			l = time.RFC3339Nano
    		} else if n, ok := named[l]; ok {
    			l = n
    		}
    		return t.Format(l), nil
    	case "date":
    		t, err := at(a[0], a[1])
    		if err != nil {
    			return nil, err
    		}
    		y, m, d := t.Date()
    		return []int{y, int(m), d}, nil
    	case "clock":
    		t, err := at(a[0], a[1])
    		if err != nil {
    			return nil, err
    		}
    		h, m, s := t.Clock()
    		return []int{h, m, s}, nil
    	case "weekday":
    		t, err := at(a[0], a[1])
    		if err != nil {
    			return nil, err
    		}
    		return t.Weekday().String(), nil
    	case "add_date":
    		t, err := at(a[0], a[1])
    		if err != nil {
    			return nil, err
    		}
    		y, _ := strconv.Atoi(a[2])
    		m, _ := strconv.Atoi(a[3])
    		d, _ := strconv.Atoi(a[4])
    		return safe(t.AddDate(y, m, d))
    	case "parse_ns":
    		l := a[0]
    		if n, ok := named[l]; ok {
    			l = n
    		}
    		t, err := time.Parse(l, a[1])
    		if err != nil {
    			return nil, err
    		}
    		return safe(t)
    	case "uri", "uri_valid":
    		u, err := url.Parse(a[0])
    		if r.Op == "uri_valid" {
    			return a[0] != "" && err == nil, nil
    		}
    		if err != nil {
    			return nil, err
    		}
    		o := map[string]string{}
    		if u.Scheme != "" {
    			o["scheme"] = u.Scheme
    		}
    		if h := u.Hostname(); h != "" {
    			o["hostname"] = h
    		}
    		if p := u.Port(); p != "" {
    			o["port"] = p
    		}
    		if u.Path != "" {
    			o["path"] = u.Path
    			o["raw_path"] = u.RawPath
    			if u.RawPath == "" {
    				o["raw_path"] = u.Path
    			}
    		}
    		if u.RawQuery != "" {
    			o["raw_query"] = u.RawQuery
    		}
    		if u.Fragment != "" {
    			o["fragment"] = u.Fragment
    		}
    		return o, nil
    	case "cidr_is_valid":
    		_, _, err := net.ParseCIDR(a[0])
    		return err == nil, nil
    	case "cidr_intersects":
    		_, x, err := net.ParseCIDR(a[0])
    		if err != nil {
    			return nil, err
    		}
    		_, y, err := net.ParseCIDR(a[1])
    		if err != nil {
    			return nil, err
    		}
    		return x.Contains(y.IP) || y.Contains(x.IP), nil
    	case "cidr_contains":
    		_, n, err := net.ParseCIDR(a[0])
    		if err != nil {
    			return nil, err
    		}
    		if ip := net.ParseIP(a[1]); ip != nil {
    			return n.Contains(ip), nil
    		}
    		_, m, err := net.ParseCIDR(a[1])
    		if err != nil {
    			return nil, err
    		}
    		if !n.Contains(m.IP) {
    			return false, nil
    		}
    		last := make(net.IP, len(m.IP))
    		for i := range m.IP {
    			last[i] = m.IP[i] | ^m.Mask[i]
    		}
    		return n.Contains(last), nil
    	case "cidr_expand":
    		ip, n, err := net.ParseCIDR(a[0])
    		if err != nil {
    			return nil, err
    		}
    		var out []string
    		for ip := ip.Mask(n.Mask); n.Contains(ip); {
    			out = append(out, ip.String())
    			next := new(big.Int).Add(new(big.Int).SetBytes(ip), big.NewInt(1)).Bytes()
    			nip := make(net.IP, len(ip))
    			copy(nip[len(nip)-len(next):], next)
    			if len(next) > len(ip) {
    				break
    			}
    			ip = nip
    		}
    		return out, nil
    	case "cidr_merge":
    		// minimal CIDR cover of the union of the networks (independent of OPA's
    		// merge algorithm, which yields the same set for CIDR inputs)
    		type rng struct{ lo, hi *big.Int; bits int }
    		var rs []rng
    		for _, c := range a {
    			_, n, err := net.ParseCIDR(c)
    			if err != nil {
    				return nil, err
    			}
    			ones, bits := n.Mask.Size()
    			lo := new(big.Int).SetBytes(n.IP)
    			size := new(big.Int).Lsh(big.NewInt(1), uint(bits-ones))
    			rs = append(rs, rng{lo, new(big.Int).Sub(new(big.Int).Add(lo, size), big.NewInt(1)), bits})
    		}
    		sort.Slice(rs, func(i, j int) bool {
    			if rs[i].bits != rs[j].bits {
    				return rs[i].bits < rs[j].bits
    			}
    			return rs[i].lo.Cmp(rs[j].lo) < 0
    		})
    		var merged []rng
    		for _, r := range rs {
    			if k := len(merged) - 1; k >= 0 && merged[k].bits == r.bits &&
    				new(big.Int).Add(merged[k].hi, big.NewInt(1)).Cmp(r.lo) >= 0 {
    				if r.hi.Cmp(merged[k].hi) > 0 {
    					merged[k].hi = r.hi
    				}
    				continue
    			}
    			merged = append(merged, r)
    		}
    		out := []string{}
    		for _, r := range merged {
    			lo := new(big.Int).Set(r.lo)
    			for lo.Cmp(r.hi) <= 0 {
    				size := 0
    				for size < r.bits && lo.Bit(size) == 0 {
    					end := new(big.Int).Sub(new(big.Int).Add(lo, new(big.Int).Lsh(big.NewInt(1), uint(size+1))), big.NewInt(1))
    					if end.Cmp(r.hi) > 0 {
    						break
    					}
    					size++
    				}
    				b := lo.FillBytes(make([]byte, r.bits/8))
    				out = append(out, (&net.IPNet{IP: net.IP(b), Mask: net.CIDRMask(r.bits-size, r.bits)}).String())
    				lo.Add(lo, new(big.Int).Lsh(big.NewInt(1), uint(size)))
    			}
    		}
    		sort.Strings(out)
    		return out, nil
    	case "hmac":
    		var h func() hash.Hash
    		switch a[0] {
    		case "md5":
    			h = md5.New
    		case "sha1":
    			h = sha1.New
    		case "sha256":
    			h = sha256.New
    		default:
    			h = sha512.New
    		}
    		m := hmac.New(h, []byte(a[2]))
    		m.Write([]byte(a[1]))
    		return hex.EncodeToString(m.Sum(nil)), nil
    	case "hex_decode":
    		b, err := hex.DecodeString(a[0])
    		if err != nil {
    			return nil, err
    		}
    		return string(b), nil
    	case "query":
    		q, err := url.ParseQuery(a[0])
    		if err != nil {
    			return nil, err
    		}
    		return q, nil
    	}
    	return nil, os.ErrInvalid
    }

    func main() {
    	var reqs []req
    	if err := json.NewDecoder(os.Stdin).Decode(&reqs); err != nil {
    		panic(err)
    	}
    	out := make([]map[string]any, len(reqs))
    	for i, r := range reqs {
    		v, err := eval(r)
    		if err != nil {
    			out[i] = map[string]any{"e": err.Error()}
    		} else {
    			out[i] = map[string]any{"v": v}
    		}
    	}
    	json.NewEncoder(os.Stdout).Encode(out)
    }
    """#

  static let goAvailable: Bool = {
    (try? OracleSupport.python([
      "-c", "import shutil,sys; sys.exit(0 if shutil.which('go') else 1)",
    ])
    .status) == 0
  }()

  static func runGo(_ cases: [Case]) throws -> [OracleSupport.Outcome] {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "tailguard-go-oracle-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("main.go")
    try program.write(to: file, atomically: true, encoding: .utf8)
    let requests = Value.array(
      cases.map { .object(["op": .string($0.op), "args": .array($0.args.map { .string($0) })]) })
    // python drives `go run` so that stdin/stdout plumbing stays in one helper
    let driver = """
      import subprocess, sys, os
      env = dict(os.environ, GO111MODULE="off", GOFLAGS="", GOCACHE=os.path.join(sys.argv[2], "cache"))
      p = subprocess.run(["go", "run", sys.argv[1]], input=sys.stdin.buffer.read(), capture_output=True, env=env)
      sys.stdout.write(p.stdout.decode())
      sys.stderr.write(p.stderr.decode())
      sys.exit(p.returncode)
      """
    let r = try OracleSupport.python(
      ["-c", driver, file.path, dir.path], stdin: JSONCodec.encode(requests))
    guard case .array(let rows) = try JSONCodec.decode(r.stdout), rows.count == cases.count else {
      throw RegoError(.dataError, "go oracle failed (status \(r.status)): \(r.stdout.prefix(300))")
    }
    return rows.map { row in
      guard case .object(let o) = row else { return .error("bad row") }
      if let e = o["e"]?.stringValue { return .error(e) }
      return .value(o["v"] ?? .null)
    }
  }

  @Test(.enabled(if: Oracles.gate(goAvailable || OracleSupport.requireOracles), "go not installed"))
  func agreeWithGo() throws {
    try #require(Self.goAvailable, "go is not installed: run ../shared/data/install-oracles.sh")
    let oracle = try Self.runGo(Self.cases)
    var agree = 0
    for (c, o) in zip(Self.cases, oracle) {
      let got = OracleSupport.tailguard(c.expr, strict: true).normalized
      var want = o.normalized
      // Go's url.Values and sets come back as objects/arrays in any order
      if case .value(let v) = want, c.op == "cidr_expand" || c.op == "cidr_merge" {
        want = .value(.array((v.arrayValue ?? []).sorted()))
      }
      #expect(got == want, "\(c.expr)\n got \(got)\nwant \(want) (go: \(o))")
      if got == want { agree += 1 }
    }
    print("builtin cases agreeing with Go's standard library: \(agree)/\(Self.cases.count)")
  }
}
