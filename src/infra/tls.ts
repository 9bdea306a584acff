/**
 * berth's local CA and the per-project certificates of the https front door, on disk under berth's state
 * folder: tls/ca.crt and tls/ca.key (the folder 0700, keys 0600), tls/projects/NAME.crt|.key. ECDSA P-256
 * keys from Node's webcrypto, certificates built with @peculiar/x509 (loaded only when one must be made);
 * Node's X509Certificate reads and checks them. No openssl. The CA key is only ever read here, to sign.
 */
import {createPrivateKey, webcrypto, X509Certificate} from 'node:crypto'
import {chmodSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import type {TlsAuthority, TlsLeaf, TlsPort} from '../app/ports.js'
import {BerthError, ExitCode} from '../core/errors.js'
import {projectSlug, shortHash} from '../core/naming.js'
import {CA_DAYS, CA_NAME, LEAF_DAYS, LEAF_DNS, LEAF_IPS, RENEW_DAYS} from '../core/tls.js'
import {stateDir} from './state.js'

const DAY = 86_400_000
const ALG = {name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256'} as const

export function tlsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateDir(env), 'tls')
}

type X509 = typeof import('@peculiar/x509')
let x509: Promise<X509> | undefined
function lib(): Promise<X509> {
  x509 ??= (async () => {
    await import('reflect-metadata') // @peculiar/x509's dependency injection needs it loaded first
    const imported = (await import('@peculiar/x509')) as X509 & {default?: X509}
    // Bundled, the package's CommonJS build comes as the default export.
    const m = imported.cryptoProvider ? imported : imported.default!
    m.cryptoProvider.set(webcrypto as unknown as Parameters<typeof m.cryptoProvider.set>[0])
    return m
  })()
  return x509
}

function serial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16))
  bytes[0] &= 0x7f // positive
  return Buffer.from(bytes).toString('hex')
}

function fingerprintOf(cert: X509Certificate): string {
  return cert.fingerprint256
}

function keyPem(x: X509, pkcs8: ArrayBuffer): string {
  return x.PemConverter.encode(pkcs8, 'PRIVATE KEY')
}

/** Write a private file: 0600 from its creation, moved into place in one step. */
function writePrivate(file: string, text: string): string {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`
  writeFileSync(tmp, text, {mode: 0o600})
  chmodSync(tmp, 0o600)
  return tmp
}

function ensureDir(dir: string): void {
  mkdirSync(dir, {recursive: true, mode: 0o700})
  chmodSync(dir, 0o700)
}

function tlsFailure(what: string, error: unknown, dir: string): BerthError {
  const code = (error as NodeJS.ErrnoException).code
  if (!code) return new BerthError(`cannot ${what}: ${(error as Error).message}`, {exitCode: ExitCode.FAILURE, cause: error})
  return new BerthError(`cannot ${what} (${code})`, {exitCode: ExitCode.PREFLIGHT, hints: [`Make ${dir} writable by you (BERTH_STATE_DIR moves berth's state folder).`], cause: error})
}

async function makeCa(dir: string): Promise<void> {
  const x = await lib()
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair
  const now = Date.now()
  const cert = await x.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${CA_NAME}, O=berth`,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + CA_DAYS * DAY),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x.BasicConstraintsExtension(true, 0, true),
      new x.KeyUsagesExtension(x.KeyUsageFlags.keyCertSign | x.KeyUsageFlags.cRLSign, true),
      await x.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  })
  const key = keyPem(x, await webcrypto.subtle.exportKey('pkcs8', keys.privateKey))
  const tmpKey = writePrivate(path.join(dir, 'ca.key'), key)
  const tmpCert = path.join(dir, `ca.crt.${process.pid}.tmp`)
  writeFileSync(tmpCert, cert.toString('pem'), {mode: 0o644})
  try {
    // The key is linked into place only if there is none: two berths making the CA at once keep one of them.
    linkSync(tmpKey, path.join(dir, 'ca.key'))
    renameSync(tmpCert, path.join(dir, 'ca.crt'))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  } finally {
    rmSync(tmpKey, {force: true})
    rmSync(tmpCert, {force: true})
  }
}

/** The CA's certificate and key as they are on disk (waiting a moment for another berth that is writing them). */
async function readCa(dir: string): Promise<{cert: X509Certificate; pem: string; key: string}> {
  for (let i = 0; ; i++) {
    try {
      const pem = readFileSync(path.join(dir, 'ca.crt'), 'utf8')
      const keyFile = path.join(dir, 'ca.key')
      if ((statSync(keyFile).mode & 0o077) !== 0) chmodSync(keyFile, 0o600)
      return {cert: new X509Certificate(pem), pem, key: readFileSync(keyFile, 'utf8')}
    } catch (error) {
      if (i >= 40 || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      await new Promise((r) => setTimeout(r, 50))
    }
  }
}

export function fileTls(env: NodeJS.ProcessEnv = process.env): TlsPort {
  const dir = tlsDir(env)

  async function authority(): Promise<TlsAuthority & {key: string; cert: X509Certificate; pem: string}> {
    let created = false
    try {
      ensureDir(dir)
      if (!existsSync(path.join(dir, 'ca.key'))) {
        await makeCa(dir)
        created = true
      }
    } catch (error) {
      throw tlsFailure(`create berth's local CA in ${dir}`, error, dir)
    }
    let ca: Awaited<ReturnType<typeof readCa>>
    try {
      ca = await readCa(dir)
      createPrivateKey(ca.key)
    } catch (error) {
      throw new BerthError(`berth's local CA in ${dir} cannot be read (${(error as Error).message})`, {
        exitCode: ExitCode.PREFLIGHT,
        hints: [`Move ${dir} aside and run berth up again: berth makes a new CA (trust it again with berth tls trust).`],
        cause: error,
      })
    }
    if (Date.parse(ca.cert.validTo) < Date.now()) {
      throw new BerthError(`berth's local CA in ${dir} expired on ${ca.cert.validTo}`, {exitCode: ExitCode.PREFLIGHT, hints: [`Move ${dir} aside and run berth up again: berth makes a new CA (trust it again with berth tls trust).`]})
    }
    return {certFile: path.join(dir, 'ca.crt'), created, fingerprint: fingerprintOf(ca.cert), notAfter: new Date(ca.cert.validTo).toISOString(), key: ca.key, cert: ca.cert, pem: ca.pem}
  }

  async function leaf(project: string): Promise<TlsLeaf> {
    const ca = await authority()
    const base = path.join(dir, 'projects', `${projectSlug(project)}-${shortHash(project)}`)
    const existing = readLeaf(base, ca.cert)
    if (existing) return existing
    try {
      ensureDir(path.dirname(base))
      const made = await makeLeaf(ca.key, ca.pem)
      const tmpKey = writePrivate(`${base}.key`, made.key)
      renameSync(tmpKey, `${base}.key`)
      writeFileSync(`${base}.crt.tmp`, made.cert)
      renameSync(`${base}.crt.tmp`, `${base}.crt`)
      const cert = new X509Certificate(made.cert)
      return {cert: made.cert, key: made.key, fingerprint: fingerprintOf(cert), notAfter: new Date(cert.validTo).toISOString()}
    } catch (error) {
      throw tlsFailure(`write the certificate of project ${project} in ${path.dirname(base)}`, error, dir)
    }
  }

  return {
    async ca() {
      const {certFile, created, fingerprint, notAfter} = await authority()
      return {certFile, created, fingerprint, notAfter}
    },
    leaf,
    linuxFamily() {
      try {
        const text = readFileSync('/etc/os-release', 'utf8')
        const value = (key: string) => (new RegExp(`^${key}=(.*)$`, 'm').exec(text)?.[1] ?? '').replace(/^["']|["']$/g, '')
        return [value('ID'), ...value('ID_LIKE').split(/\s+/)].filter(Boolean)
      } catch {
        return undefined
      }
    },
  }
}

/** The project's certificate on disk, if it is still good: signed by this CA, for our names, not near its end. */
function readLeaf(base: string, ca: X509Certificate): TlsLeaf | undefined {
  try {
    const cert = readFileSync(`${base}.crt`, 'utf8')
    const key = readFileSync(`${base}.key`, 'utf8')
    const x = new X509Certificate(cert)
    const good =
      x.verify(ca.publicKey) &&
      x.checkIssued(ca) &&
      LEAF_DNS.every((name) => x.checkHost(name)) &&
      LEAF_IPS.every((ip) => x.checkIP(ip)) &&
      Date.parse(x.validTo) > Date.now() + RENEW_DAYS * DAY &&
      x.checkPrivateKey(createPrivateKey(key))
    return good ? {cert, key, fingerprint: fingerprintOf(x), notAfter: new Date(x.validTo).toISOString()} : undefined
  } catch {
    return undefined
  }
}

async function makeLeaf(caKeyPem: string, caPem: string): Promise<{cert: string; key: string}> {
  const x = await lib()
  const caCert = new x.X509Certificate(caPem)
  const caKey = await webcrypto.subtle.importKey('pkcs8', createPrivateKey(caKeyPem).export({type: 'pkcs8', format: 'der'}), ALG, false, ['sign'])
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair
  const now = Date.now()
  const cert = await x.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=localhost, O=berth',
    issuer: caCert.subject,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + LEAF_DAYS * DAY),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: ALG,
    extensions: [
      new x.BasicConstraintsExtension(false, undefined, true),
      new x.KeyUsagesExtension(x.KeyUsageFlags.digitalSignature, true),
      new x.ExtendedKeyUsageExtension([x.ExtendedKeyUsage.serverAuth]),
      new x.SubjectAlternativeNameExtension([...LEAF_DNS.map((value) => ({type: 'dns' as const, value})), ...LEAF_IPS.map((value) => ({type: 'ip' as const, value}))]),
      await x.AuthorityKeyIdentifierExtension.create(caCert),
      await x.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  })
  return {cert: cert.toString('pem'), key: keyPem(x, await webcrypto.subtle.exportKey('pkcs8', keys.privateKey))}
}
