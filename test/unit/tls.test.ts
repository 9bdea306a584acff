// berth's local CA and per-project certificates on disk (src/infra/tls.ts, in a temporary state folder),
// the trust commands `berth tls trust` prints (src/core/tls.ts), and the port check's words for an https port.
import {X509Certificate} from 'node:crypto'
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import type {ContainerInfo, EnginePort} from '../../src/app/ports.js'
import {checkPorts} from '../../src/app/preflight.js'
import {trust} from '../../src/app/tls.js'
import type {PortBinding} from '../../src/core/render.js'
import {shQuote, trustInstructions, trustText} from '../../src/core/tls.js'
import {fileTls} from '../../src/infra/tls.js'
import {testDeps} from './fakes.js'

const dirs: string[] = []
function stateDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'berth-tls-unit-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true})
})

describe("berth's local CA", () => {
  it('is made once under the state folder: ca.crt, ca.key 0600, the folder 0700, a CA certificate', async () => {
    const state = stateDir()
    const tls = fileTls({BERTH_STATE_DIR: state})
    const first = await tls.ca()
    expect(first).toMatchObject({certFile: path.join(state, 'tls', 'ca.crt'), created: true})
    const again = await tls.ca()
    expect(again).toMatchObject({created: false, fingerprint: first.fingerprint})
    expect(statSync(path.join(state, 'tls')).mode & 0o777).toBe(0o700)
    expect(statSync(path.join(state, 'tls', 'ca.key')).mode & 0o777).toBe(0o600)
    const ca = new X509Certificate(readFileSync(first.certFile))
    expect(ca.ca).toBe(true)
    expect(ca.verify(ca.publicKey)).toBe(true)
  })

  it('signs a per-project certificate for localhost, 127.0.0.1 and ::1, reused while valid, another for another project', async () => {
    const state = stateDir()
    const tls = fileTls({BERTH_STATE_DIR: state})
    const leaf = await tls.leaf('shop')
    const cert = new X509Certificate(leaf.cert)
    const ca = new X509Certificate(readFileSync((await tls.ca()).certFile))
    expect(cert.checkIssued(ca) && cert.verify(ca.publicKey)).toBe(true)
    expect(cert.checkHost('localhost')).toBe('localhost')
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1')
    expect(cert.checkIP('::1')).toBeTruthy()
    expect(cert.ca).toBe(false)
    expect((await tls.leaf('shop')).fingerprint).toBe(leaf.fingerprint)
    expect((await tls.leaf('other')).fingerprint).not.toBe(leaf.fingerprint)
    expect(statSync(projectKey(state)).mode & 0o777).toBe(0o600)
  })

  it('makes the certificate again when it is not the CA\'s (a CA made anew)', async () => {
    const state = stateDir()
    const tls = fileTls({BERTH_STATE_DIR: state})
    const leaf = await tls.leaf('shop')
    rmSync(path.join(state, 'tls', 'ca.key'))
    rmSync(path.join(state, 'tls', 'ca.crt'))
    const renewed = await tls.leaf('shop')
    expect(renewed.fingerprint).not.toBe(leaf.fingerprint)
  })

  it('refuses an unreadable CA with the folder to move aside, exit 5', async () => {
    const state = stateDir()
    const tls = fileTls({BERTH_STATE_DIR: state})
    await tls.ca()
    writeFileSync(path.join(state, 'tls', 'ca.crt'), 'not a certificate')
    await expect(tls.leaf('shop')).rejects.toMatchObject({exitCode: 5, message: expect.stringMatching(/local CA .* cannot be read/)})
  })
})

function projectKey(state: string): string {
  const dir = path.join(state, 'tls', 'projects')
  const name = readdirSync(dir).find((f) => f.endsWith('.key'))!
  return path.join(dir, name)
}

describe('berth tls trust', () => {
  const ca = '/home/ann/.local/state/berth/tls/ca.crt'

  it('prints the Debian/Ubuntu commands first on Debian, the others after', () => {
    const t = trustInstructions('linux', ca, 'AA:BB', ['debian'])
    expect(t.steps[0]).toMatchObject({for: 'Debian, Ubuntu', commands: [`sudo cp ${ca} /usr/local/share/ca-certificates/berth-local-ca.crt`, 'sudo update-ca-certificates']})
    expect(t.steps.map((s) => s.for)).toEqual(['Debian, Ubuntu', 'Fedora, RHEL, CentOS', 'Arch Linux', expect.stringMatching(/^Node\.js/), expect.stringMatching(/^Firefox/)])
    expect(trustInstructions('linux', ca, 'AA:BB', ['rhel', 'fedora']).steps[0].commands).toEqual([`sudo cp ${ca} /etc/pki/ca-trust/source/anchors/berth-local-ca.crt`, 'sudo update-ca-trust'])
  })

  it('macOS: security add-trusted-cert; Windows: certutil; everywhere NODE_EXTRA_CA_CERTS', () => {
    const mac = trustInstructions('darwin', ca, 'AA')
    expect(mac.steps[0].commands).toEqual([`sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${ca}`])
    expect(mac.steps[1].commands).toEqual([`export NODE_EXTRA_CA_CERTS=${ca}`])
    const win = trustInstructions('win32', 'C:\\Users\\ann\\berth\\tls\\ca.crt', 'AA')
    expect(win.steps[0].commands).toEqual(['certutil -addstore -f Root "C:\\Users\\ann\\berth\\tls\\ca.crt"'])
    expect(win.steps[1].commands[0]).toMatch(/^\$env:NODE_EXTRA_CA_CERTS = /)
  })

  it('quotes a path with spaces or quotes for the shell', () => {
    expect(shQuote("/home/o'neil/my state/ca.crt")).toBe(`'/home/o'\\''neil/my state/ca.crt'`)
    expect(trustText(trustInstructions('darwin', '/a b/ca.crt', 'AA'))).toContain(`System.keychain '/a b/ca.crt'`)
  })

  it('the use case asks the CA and the Linux family, and --os overrides the platform', async () => {
    const asked: string[] = []
    const tls = {
      ca: async () => (asked.push('ca'), {certFile: ca, created: false, fingerprint: 'AA', notAfter: '2036-01-01T00:00:00.000Z'}),
      leaf: async () => Promise.reject(new Error('no')),
      linuxFamily: () => (asked.push('family'), ['fedora']),
    }
    const deps = testDeps({tls})
    expect((await trust(deps)).steps[0].for).toBe('Fedora, RHEL, CentOS')
    expect((await trust(deps, 'macos')).steps[0].for).toBe('macOS')
    expect(asked).toEqual(['ca', 'family', 'ca'])
  })
})

describe('the port check for https ports', () => {
  it('names the https port, its holder and the tls key to change', async () => {
    const https: PortBinding = {service: 'web', container: 8000, host: 443, bind: '127.0.0.1', role: 'https'}
    const engine = {containers: async () => [] as ContainerInfo[]} as unknown as EnginePort
    const probe = {canBind: async () => false, describeListener: () => 'nginx (pid 7)'}
    const error = await checkPorts([https], 'shop-qa-main', engine, probe).catch((e: Error & {exitCode?: number; hints?: string[]}) => e)
    expect(error).toMatchObject({exitCode: 5, message: 'port 443 on 127.0.0.1 (service web (its https port)) is already in use by nginx (pid 7)'})
    expect((error as {hints: string[]}).hints[0]).toMatch(/set tls: \{https_port: N\} under services\.web/)
  })
})
