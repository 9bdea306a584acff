// The qa front door on the real engine: https with a certificate of berth's local CA (curl with --cacert
// accepts it), plain http redirected to https, X-Forwarded-Proto/For given to the app, and two replicas of the
// app (a Compose deploy.replicas fragment in the fixture's berth.yml) answering in turn, in both door modes.
// A port 443 that is taken stops `berth up` before anything starts.
import {execFile} from 'node:child_process'
import {readFileSync, statSync, writeFileSync} from 'node:fs'
import https from 'node:https'
import net from 'node:net'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {parseDocument} from 'yaml'
import {containersOf, useFixtures, type TestStack} from './harness.js'

function run(file: string, args: string[]): Promise<{code: number; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    execFile(file, args, {encoding: 'utf8'}, (e, stdout, stderr) => resolve({code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr}))
  })
}

async function docker(args: string[]): Promise<string> {
  const r = await run('docker', args)
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`)
  return r.stdout
}

interface WhoAmI {
  hostname: string
  url: string
  proto: string | null
  forwardedFor: string | null
}

/** GET over https with berth's CA (an agent, or false: a connection of its own). */
function getTls(agent: https.Agent | false, port: number, pathname: string, ca?: Buffer): Promise<{status: number; body: string}> {
  return new Promise((resolve, reject) => {
    https
      .get({host: '127.0.0.1', port, path: pathname, agent, ca}, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (d) => (body += d))
        res.on('end', () => resolve({status: res.statusCode ?? 0, body}))
      })
      .on('error', reject)
  })
}

/** The ports of the qa stack of a fixture: the app's own, https (+443) and the redirect (+80). */
function qaPorts(fx: TestStack) {
  const app = 8000 + 10000 + fx.offset
  return {app, https: app + 443, redirect: app + 80}
}

/** The short container ids (their host names) of the stack's web replicas. */
async function replicaHosts(project: string): Promise<string[]> {
  const ids = await docker(['ps', '-q', '--filter', `label=dev.berth.project=${project}`, '--filter', 'label=dev.berth.service=web'])
  return ids.split('\n').filter(Boolean).sort()
}

/** Where the app sees a client of 127.0.0.1 come from: itself in host mode; the door network's gateway when Docker publishes the door. */
async function clientAddress(project: string): Promise<string> {
  const door = (await docker(['ps', '--filter', `label=dev.berth.project=${project}`, '--filter', 'label=dev.berth.role=door', '--format', '{{.Names}}\t{{.Label "dev.berth.door.mode"}}'])).trim()
  const [name, mode] = door.split('\t')
  if (mode === 'host') return '127.0.0.1'
  return (await docker(['network', 'inspect', name, '--format', '{{(index .IPAM.Config 0).Gateway}}'])).trim()
}

async function replicasInTurn(fx: TestStack, port: number, caFile: string): Promise<void> {
  const hosts = await replicaHosts(fx.name)
  expect(hosts).toHaveLength(2)
  // Each new connection goes to the next replica (requests on one kept-alive connection stay with its replica).
  const ca = readFileSync(caFile)
  {
    const seen: string[] = []
    for (let i = 0; i < 4; i++) {
      const r = await getTls(false, port, '/api/whoami', ca)
      expect(r.status, r.body).toBe(200)
      seen.push((JSON.parse(r.body) as WhoAmI).hostname)
    }
    expect(new Set(seen)).toEqual(new Set(hosts))
    expect([seen[0], seen[1]]).toEqual([seen[2], seen[3]])
    expect(seen[0]).not.toBe(seen[1])
  }
}

describe('the https front door of qa', () => {
  const fixtures = useFixtures()

  it('serves https with berth\'s CA, redirects http to it, tells the app, and takes the two replicas in turn', async () => {
    const fx = await fixtures.up('whoami', {prefix: 't-tls', env: 'qa'})
    const port = qaPorts(fx)
    const web = fx.up.services.filter((s) => s.service === 'web')
    expect(web).toHaveLength(2)
    expect(web[0].url).toBe(`https://127.0.0.1:${port.https}/`)

    // The CA, made once under berth's state folder: the key 0600, the folder 0700.
    const ca = (await fx.ok(['tls', 'ca'])).stdout.trim()
    expect(ca).toBe(path.join(fx.env.BERTH_STATE_DIR!, 'tls', 'ca.crt'))
    expect(statSync(path.join(path.dirname(ca), 'ca.key')).mode & 0o777).toBe(0o600)
    expect(statSync(path.dirname(ca)).mode & 0o777).toBe(0o700)

    // curl, given berth's CA, accepts the door's certificate and gets the app's page.
    const page = await run('curl', ['--silent', '--show-error', '--fail', '--cacert', ca, `https://127.0.0.1:${port.https}/`])
    expect(page.code, page.stderr).toBe(0)
    expect(page.stdout).toMatch(/<h1>whoami<\/h1>[\s\S]*over https/)
    const byName = await run('curl', ['--silent', '--show-error', '--fail', '--cacert', ca, `https://localhost:${port.https}/`])
    expect(byName.code, byName.stderr).toBe(0)
    // Without the CA, curl refuses it (it is trusted nowhere unless the user runs what berth tls trust prints).
    const untrusted = await run('curl', ['--silent', '--output', '/dev/null', `https://127.0.0.1:${port.https}/`])
    expect(untrusted.code).toBe(60)

    // Plain http on the redirect port: 308 to the same path on https.
    const redirect = await run('curl', ['--silent', '--output', '/dev/null', '--write-out', '%{http_code} %{redirect_url}', `http://127.0.0.1:${port.redirect}/api/whoami?x=1`])
    expect(redirect.stdout).toBe(`308 https://127.0.0.1:${port.https}/api/whoami?x=1`)

    // The app sees https and the client's address.
    const agent = new https.Agent({ca: readFileSync(ca)})
    const seen = JSON.parse((await getTls(agent, port.https, '/api/whoami')).body) as WhoAmI
    agent.destroy()
    expect(seen.proto).toBe('https')
    expect(seen.forwardedFor).toBe(await clientAddress(fx.name))

    // Two replicas behind the door, answering in turn; the app's own port stays plain http.
    await replicasInTurn(fx, port.https, ca)
    const plain = JSON.parse((await (await fetch(`http://127.0.0.1:${port.app}/api/whoami`)).text())) as WhoAmI
    expect(plain.proto).toBeNull()

    // status shows the https URL, in --json too.
    const status = JSON.parse((await fx.ok(['status', '--json'])).stdout) as {stacks: Array<{services: Array<{service: string; url?: string; ports: Array<{hostPort: number; kind?: string}>}>}>}
    const svc = status.stacks[0].services.find((s) => s.service === 'web')!
    expect(svc.url).toBe(`https://127.0.0.1:${port.https}/`)
    expect(svc.ports.map((p) => [p.hostPort, p.kind])).toEqual([
      [port.app, undefined],
      [port.redirect, 'redirect'],
      [port.https, 'https'],
    ])
    expect((await fx.ok(['status'])).stdout).toContain(`https://127.0.0.1:${port.https}/`)
  })

  it('takes the replicas in turn when Docker publishes the door (the alias resolves to both)', async () => {
    const fx = await fixtures.stack('whoami', {prefix: 't-tlspub'})
    fx.env.BERTH_DOOR_MODE = 'published'
    await fx.ok(['up', 'qa', '-q'])
    const mode = (await docker(['ps', '--filter', `label=dev.berth.project=${fx.name}`, '--filter', 'label=dev.berth.role=door', '--format', '{{.Label "dev.berth.door.mode"}}'])).trim()
    expect(mode).toBe('published')
    const ca = (await fx.ok(['tls', 'ca'])).stdout.trim()
    await replicasInTurn(fx, qaPorts(fx).https, ca)
  })

  it('stops before anything starts when the https port berth.yml asks for (443) is taken', async () => {
    // 443 must stay 443, so no port offset here: the fixture's other ports are fixed in berth.yml instead.
    const fx = await fixtures.stack('whoami', {prefix: 't-tls443'})
    const port = qaPorts(fx)
    const file = path.join(fx.dir, 'berth.yml')
    const doc = parseDocument(readFileSync(file, 'utf8'))
    doc.setIn(['environments', 'qa', 'services', 'web', 'host_port'], port.app)
    doc.setIn(['environments', 'qa', 'services', 'web', 'tls'], doc.createNode({https_port: 443, http_port: port.redirect}))
    writeFileSync(file, doc.toString())
    fx.env.BERTH_PORT_OFFSET = '0'
    // 443 held on 127.0.0.1 by this test (root here); if something else holds it already, berth must refuse all the same.
    const holder = net.createServer()
    const held = await new Promise<boolean>((resolve) => {
      holder.once('error', () => resolve(false))
      holder.listen(443, '127.0.0.1', () => resolve(true))
    })
    fx.defer(() => new Promise<void>((r) => (held ? holder.close(() => r()) : r())))
    const r = await fx.run(['up', 'qa'])
    expect(r.code, r.stderr).toBe(5)
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('berth: error:'))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/port 443 on 127\.0\.0\.1 \(service web \(its https port\)\) is already in use by /)
    if (held) expect(lines[0]).toMatch(new RegExp(`by node \\(pid ${process.pid}\\)`))
    expect(r.stderr).toMatch(/Try this: .*tls: \{https_port: N\}/)
    expect(await containersOf(fx.name)).toEqual([])
  })
})
