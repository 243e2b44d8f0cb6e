import ByteFormats
import Foundation
import Logging
import NIOCore
import NIOSSL
import SwiftASN1
import X509

/// HTTPS for `tailguard serve`: the certificate chain and key are read (and checked to belong
/// together) at start, and read again when either file changes — checked on every new
/// connection through NIOSSL's `sslContextCallback`, so a renewed certificate (cert-manager,
/// certbot) is served without a restart. With a client CA, every client must present a
/// certificate that chains to it (mutual TLS); the client CA is read at start.
enum ServerTLS {
  /// The largest certificate, key or CA file read (1 MiB).
  static let maxFileBytes = 1 << 20

  /// The server's TLS configuration; throws a message naming the file that is wrong.
  static func configuration(files: TLSFiles, reloader: CertificateReloader) throws
    -> TLSConfiguration
  {
    let initial = reloader.current()
    var configuration = TLSConfiguration.makeServerConfiguration(
      certificateChain: initial.chain.map { .certificate($0) },
      privateKey: .privateKey(initial.key))
    configuration.minimumTLSVersion = .tlsv12
    if let clientCA = files.clientCA {
      let roots = try readCertificates(clientCA, what: "client CA file")
      configuration.trustRoots = .certificates(roots)
      // The client's certificate must chain to the CA; no host name to check on a client.
      configuration.certificateVerification = .noHostnameVerification
      configuration.sendCANameList = true
    }
    configuration.sslContextCallback = { _, promise in
      let current = reloader.current()
      var override = NIOSSLContextConfigurationOverride()
      override.certificateChain = current.chain.map { .certificate($0) }
      override.privateKey = .privateKey(current.key)
      promise.succeed(override)
    }
    // The whole configuration must make a context (catches a CA file BoringSSL refuses).
    do { _ = try NIOSSLContext(configuration: configuration) } catch {
      throw ServerConfigError(
        "cannot set up TLS with \(files.cert), \(files.key)\(files.clientCA.map { " and " + $0 } ?? ""): \(error)"
      )
    }
    return configuration
  }

  static func readFile(_ path: String, what: String) throws(ServerConfigError) -> [UInt8] {
    do throws(ByteFormatError) {
      return try BoundedFile.read(path: path, limit: maxFileBytes)
    } catch {
      throw ServerConfigError("cannot read TLS \(what): \(error.message)")
    }
  }

  /// Every certificate in the PEM file at PATH (at least one), for the client CA.
  static func readCertificates(_ path: String, what: String) throws(ServerConfigError)
    -> [NIOSSLCertificate]
  {
    let bytes = try readFile(path, what: what)
    let documents = try certificateDocuments(bytes, path: path, what: what)
    do {
      return try NIOSSLCertificate.fromPEMBytes(Array(documents.joined().utf8))
    } catch {
      throw ServerConfigError("TLS \(what) \(path) is not a PEM certificate: \(error)")
    }
  }

  /// The `CERTIFICATE` blocks of a PEM file, each checked to parse (swift-certificates: pure
  /// Swift, so a bad file leaves nothing behind in BoringSSL's per-thread error queue, which
  /// would fail the next handshake on the same event loop).
  static func certificateDocuments(_ bytes: [UInt8], path: String, what: String)
    throws(ServerConfigError) -> [String]
  {
    let text = String(decoding: bytes, as: UTF8.self)
    let documents: [PEMDocument]
    do { documents = try PEMDocument.parseMultiple(pemString: text) } catch {
      throw ServerConfigError("TLS \(what) \(path) is not a PEM certificate: \(error)")
    }
    let certificates = documents.filter { $0.discriminator == "CERTIFICATE" }
    guard !certificates.isEmpty else {
      throw ServerConfigError("TLS \(what) \(path) holds no PEM certificate")
    }
    for document in certificates {
      do { _ = try Certificate(pemDocument: document) } catch {
        throw ServerConfigError("TLS \(what) \(path) is not a PEM certificate: \(error)")
      }
    }
    return certificates.map { $0.pemString + "\n" }
  }

  /// The certificate chain and the key, checked to belong together.
  static func load(_ files: TLSFiles) throws(ServerConfigError) -> CertificateReloader.Loaded {
    let stamp = CertificateReloader.Stamp(files)
    let certBytes = try readFile(files.cert, what: "certificate file")
    let chainPEM = try certificateDocuments(certBytes, path: files.cert, what: "certificate file")
    let leaf: Certificate
    do { leaf = try Certificate(pemEncoded: chainPEM[0]) } catch {
      throw ServerConfigError(
        "TLS certificate file \(files.cert) is not a PEM certificate: \(error)")
    }

    let keyBytes = try readFile(files.key, what: "key file")
    let keyText = String(decoding: keyBytes, as: UTF8.self)
    let keyDocuments = (try? PEMDocument.parseMultiple(pemString: keyText)) ?? []
    if keyDocuments.contains(where: { $0.discriminator == "ENCRYPTED PRIVATE KEY" })
      || keyText.contains("Proc-Type: 4,ENCRYPTED")
    {
      throw ServerConfigError(
        "TLS key file \(files.key) is encrypted: give the key without a passphrase")
    }
    guard let keyDocument = keyDocuments.first(where: { $0.discriminator.hasSuffix("PRIVATE KEY") })
    else {
      throw ServerConfigError("TLS key file \(files.key) is not an unencrypted PEM private key")
    }
    let privateKey: Certificate.PrivateKey
    do { privateKey = try Certificate.PrivateKey(pemDocument: keyDocument) } catch {
      throw ServerConfigError(
        "TLS key file \(files.key) is not an unencrypted PEM private key (RSA, ECDSA P-256/384/521 or Ed25519): \(error)"
      )
    }
    guard privateKey.publicKey == leaf.publicKey else {
      throw ServerConfigError(
        "TLS key file \(files.key) does not belong to the certificate in \(files.cert)")
    }
    // Checked above; BoringSSL reads the same blocks.
    let chain: [NIOSSLCertificate]
    let key: NIOSSLPrivateKey
    do {
      chain = try NIOSSLCertificate.fromPEMBytes(Array(chainPEM.joined().utf8))
      key = try NIOSSLPrivateKey(bytes: Array((keyDocument.pemString + "\n").utf8), format: .pem)
    } catch {
      throw ServerConfigError(
        "TLS certificate \(files.cert) or key \(files.key) cannot be used: \(error)")
    }
    return CertificateReloader.Loaded(stamp: stamp, chain: chain, key: key)
  }
}

/// The certificate and key in use, read again when either file's modification time, size or
/// inode changes. A file that cannot be read or parsed (a renewal half written, a key that does
/// not match yet) is logged and the previous pair kept; the next connection tries again.
final class CertificateReloader: @unchecked Sendable {
  struct Stamp: Equatable {
    var cert: [Int64]
    var key: [Int64]
    init(_ files: TLSFiles) {
      cert = Self.stat(files.cert)
      key = Self.stat(files.key)
    }
    static func stat(_ path: String) -> [Int64] {
      // Followed symlinks: Kubernetes swaps a secret volume's `..data` link on update.
      let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
      guard fd >= 0 else { return [] }
      defer { close(fd) }
      var info = Glibc.stat()
      guard fstat(fd, &info) == 0 else { return [] }
      return [
        Int64(info.st_mtim.tv_sec), Int64(info.st_mtim.tv_nsec), Int64(info.st_size),
        Int64(info.st_ino), Int64(info.st_ctim.tv_sec), Int64(info.st_ctim.tv_nsec),
      ]
    }
  }

  struct Loaded {
    var stamp: Stamp
    var chain: [NIOSSLCertificate]
    var key: NIOSSLPrivateKey
  }

  let files: TLSFiles
  let logger: Logger
  private let lock = NSLock()
  private var loaded: Loaded
  /// The stamp of files that failed to load (not retried, nor logged again, until they change).
  private var failedStamp: Stamp?

  /// Reads the files; throws a message naming the file that is wrong.
  init(files: TLSFiles, logger: Logger) throws(ServerConfigError) {
    self.files = files
    self.logger = logger
    loaded = try ServerTLS.load(files)
  }

  /// The pair to present on a new connection (after reading the files again if they changed).
  func current() -> (chain: [NIOSSLCertificate], key: NIOSSLPrivateKey) {
    lock.lock()
    defer { lock.unlock() }
    let stamp = Stamp(files)
    if stamp != loaded.stamp, stamp != failedStamp {
      do throws(ServerConfigError) {
        loaded = try ServerTLS.load(files)
        failedStamp = nil
        logger.notice("TLS certificate reloaded from \(files.cert)")
      } catch {
        failedStamp = stamp
        logger.error("TLS certificate not reloaded (keeping the previous one): \(error.message)")
      }
    }
    return (loaded.chain, loaded.key)
  }
}
