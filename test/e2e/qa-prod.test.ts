// qa on a laptop, faithfully: the app runs from its Dockerfile's production stage, tagged per project,
// environment and branch, with the qa profile's production-like settings, checked on the engine (not in the
// file); an unchanged tree builds nothing on the next up, a changed one is built again; dev of the same branch
// keeps running beside qa, and `down qa` leaves it serving. Bad input stops before anything is made.
import {execFile, execFileSync} from 'node:child_process'
import {appendFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {containersOf, httpGet, useFixtures, volumesOf, waitFor, type FixtureOptions, type TestStack} from './harness.js'

function docker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, {encoding: 'utf8', maxBuffer: 16 * 1024 * 1024}, (error, stdout, stderr) => (error ? reject(new Error(`docker ${args.join(' ')}: ${stderr}`)) : resolve(stdout)))
  })
}

interface Inspected {
  Id: string
  Image: string
  Name: string
  Config: {Env: string[]; User: string; Labels: Record<string, string>; Image: string}
  HostConfig: {Memory: number; NanoCpus: number; ReadonlyRootfs: boolean; Tmpfs?: Record<string, string>; RestartPolicy: {Name: string}; Binds?: string[] | null}
  Mounts: Array<{Type: string; Destination: string}>
}

/** The containers of a stack's service, as the engine has them. */
async function inspectService(stack: string, service: string): Promise<Inspected[]> {
  const ids = (await docker(['ps', '-q', '--filter', `label=com.docker.compose.project=${stack}`, '--filter', `label=com.docker.compose.service=${service}`])).split('\n').filter(Boolean)
  if (ids.length === 0) return []
  return JSON.parse(await docker(['inspect', ...ids])) as Inspected[]
}

function networksOf(name: string): string[] {
  return execFileSync('docker', ['network', 'ls', '-q', '--filter', `label=dev.berth.project=${name}`], {encoding: 'utf8'}).split('\n').filter(Boolean)
}

async function imageId(ref: string): Promise<string> {
  return (await docker(['image', 'inspect', '--format', '{{.Id}}', ref])).trim()
}

const stats = async (url: string) => {
  const r = await httpGet(url)
  expect(r.status, `${url}: ${r.body}`).toBe(200)
  return JSON.parse(r.body) as {visits: number; nodeEnv: string; deployEnv: string}
}

/** The first connections through a front door just (re)routed may be reset under load: wait for /health to answer. */
async function ready(url: string): Promise<void> {
  await waitFor(async () => ((await httpGet(url).catch(() => undefined))?.status === 200 ? true : undefined), 30_000, `${url} to answer 200`)
}

async function qaStack(fx: TestStack): Promise<string> {
  const r = await fx.ok(['status', '--json'])
  const stack = (JSON.parse(r.stdout) as {stacks: Array<{stack: string; env: string}>}).stacks.find((s) => s.env === 'qa')?.stack
  expect(stack, r.stdout).toBeDefined()
  return stack!
}

describe('qa from the production image, beside dev', () => {
  const fixtures = useFixtures()

  it('runs the production stage with the qa settings on the engine; a second up builds nothing; down qa leaves dev serving', async () => {
    const fx = await fixtures.up('shop') // dev of branch main
    await ready(fx.url('/health'))
    expect(await stats(fx.url('/api/stats'))).toMatchObject({nodeEnv: 'development'})
    const devVolumes = await volumesOf(fx.name)

    const first = await fx.ok(['up', 'qa'])
    expect(first.stderr).toMatch(/Building berth\/\S+ \(web\): not built yet/) // the first up builds the image
    expect(first.stderr).toMatch(/\[web production \d\/\d\]|\[web \w+ \d\/\d\]/) // BuildKit's progress of the production stage
    const stack = await qaStack(fx)
    const web = await inspectService(stack, 'web')
    expect(web).toHaveLength(2) // the qa profile's replicas
    const image = web[0].Config.Image
    expect(image).toMatch(new RegExp(`^berth/${fx.name}-web:qa-main-[0-9a-f]{8}$`))
    for (const c of web) {
      expect(c.Config.Env).toContain('NODE_ENV=staging')
      expect(c.Config.Env).toContain('DEPLOY_ENV=QA')
      expect(c.Config.Env.filter((e) => e.startsWith('NODE_OPTIONS='))).toEqual([]) // no inspector preload
      expect(c.Mounts.filter((m) => m.Type === 'bind')).toEqual([]) // no source mount, no runtime mount
      expect(Object.keys(c.Config.Labels)).not.toContain('dev.berth.inspector')
      expect(c.HostConfig.Memory).toBe(512 * 1024 ** 2)
      expect(c.HostConfig.NanoCpus).toBe(1e9)
      expect(c.HostConfig.ReadonlyRootfs).toBe(true)
      expect(Object.keys(c.HostConfig.Tmpfs ?? {})).toEqual(['/tmp'])
      expect(c.HostConfig.RestartPolicy.Name).toBe('unless-stopped')
      expect(c.Config.User).toBe('node') // the USER of the production stage
    }
    // the production stage: dependencies without devDependencies, no Dockerfile (in .dockerignore) in the image
    await ready(fx.url('/health', 18000))
    const ls = await docker(['exec', web[0].Id, 'ls', '/src'])
    expect(ls.split('\n')).toContain('server.js')
    expect(ls.split('\n')).not.toContain('Dockerfile')
    expect(await stats(fx.url('/api/stats', 18000))).toMatchObject({nodeEnv: 'staging', deployEnv: 'QA', visits: 1})
    expect(await stats(fx.url('/api/stats'))).toMatchObject({nodeEnv: 'development'}) // dev still serves beside it

    // an unchanged tree: the image is not built again, the containers are not recreated
    const built = await imageId(image)
    const again = await fx.ok(['up', 'qa'])
    expect(again.stderr).not.toMatch(/Building|naming to|writing image|#\d+ \[web/)
    expect(await imageId(image)).toBe(built)
    expect((await inspectService(stack, 'web')).map((c) => c.Id).sort()).toEqual(web.map((c) => c.Id).sort())

    // down qa: every qa container goes; dev's run on and serve; every volume stays
    await fx.ok(['down', 'qa'])
    const containers = await containersOf(fx.name)
    expect(containers.filter((c) => c.name.startsWith(`${fx.name}-qa-`))).toEqual([])
    expect(containers.filter((c) => ['web', 'db', 'cache'].includes(c.service)).map((c) => `${c.service} ${c.state}`).sort()).toEqual(['cache running', 'db running', 'web running'])
    await ready(fx.url('/health'))
    expect(await stats(fx.url('/api/stats'))).toMatchObject({nodeEnv: 'development'})
    for (const v of devVolumes) expect(await volumesOf(fx.name)).toContain(v)
  })

  it('builds again when the build context changed, and --build forces a build of an unchanged tree', async () => {
    const fx = await fixtures.up('shop', {env: 'qa'})
    const stack = await qaStack(fx)
    const image = (await inspectService(stack, 'web'))[0].Config.Image
    const before = await imageId(image)

    appendFileSync(path.join(fx.dir, 'app', 'server.js'), "\nconsole.log('edited for the test')\n")
    const changed = await fx.ok(['up', 'qa'])
    expect(changed.stderr).toMatch(/Building berth\/\S+ \(web\): its build context, Dockerfile or build settings changed/)
    const after = await imageId(image)
    expect(after).not.toBe(before)
    // the running containers are the new image's
    for (const c of await inspectService(stack, 'web')) expect(c.Image).toBe(after)
    await ready(fx.url('/health', 18000))

    const forced = await fx.ok(['up', 'qa', '--build'])
    expect(forced.stderr).toMatch(/naming to docker\.io\/berth\/|writing image sha256:/) // Compose's build ran (BuildKit's progress)
    expect(await imageId(image)).toBe(after) // through BuildKit's cache: the same image
  })

  it('ts-api: qa runs the JavaScript tsc compiled in the build stage, on the production stage', async () => {
    // on port 8000: the test harness keeps the ports of 8000 free for each fixture (and 18000 for its qa)
    const fx = await fixtures.up('ts-api', {env: 'qa', edit: (doc) => doc.setIn(['services', 'api', 'port'], 8000)})
    // the first connections through a front door just (re)routed may be reset: wait until it answers
    const r = await waitFor(async () => {
      const res = await httpGet(fx.url('/?name=qa', 18000))
      return res.status === 200 ? res : undefined
    }, 30_000, 'ts-api qa to answer 200')
    expect(JSON.parse(r.body)).toMatchObject({message: 'hello qa'})
    const stack = await qaStack(fx)
    const [api] = await inspectService(stack, 'api')
    expect(api.Config.User).toBe('node')
    const files = (await docker(['exec', api.Id, 'ls', '/src', '/src/dist'])).split('\n')
    expect(files).toContain('server.js') // dist/server.js, compiled
    expect(files).not.toContain('node_modules') // no dev dependencies (tsc, tsx) in the production stage
    expect(files).not.toContain('tsconfig.json')
  })
})

describe('bad production settings: one line naming the service and key, exit 3, nothing made', () => {
  const fixtures = useFixtures()
  const cases: Array<{what: string; edit: NonNullable<FixtureOptions['edit']>; message: RegExp}> = [
    {what: 'an unknown build target', edit: (doc) => doc.setIn(['services', 'web', 'build'], {context: 'app', target: 'prodution'}), message: /service "web": build\.target "prodution" is not a stage of app\/Dockerfile \(its stages: deps, production\)/},
    {
      what: 'a Dockerfile without the target',
      edit: (doc) => doc.setIn(['services', 'web', 'build'], {context: 'app', dockerfile: '../Dockerfile.single', target: 'production'}),
      message: /service "web": build\.target "production" is not a stage of Dockerfile\.single \(it has no named stage/,
    },
    {what: 'cpus that are not a number', edit: (doc) => doc.setIn(['services', 'web', 'limits'], {cpus: 'lots'}), message: /services\.web\.limits\.cpus has an invalid value the string "lots": expected a number of CPUs/},
    {what: 'memory that is not a size', edit: (doc) => doc.setIn(['environments', 'qa', 'services', 'web', 'limits'], {memory: 'plenty'}), message: /environments\.qa\.services\.web\.limits\.memory has an invalid value the string "plenty": expected a size/},
    {what: 'memory above the machine', edit: (doc) => doc.setIn(['services', 'web', 'limits'], {memory: '64t'}), message: /service "web": limits\.memory 64t is more than the engine's machine has \([\d.]+ GiB, docker info MemTotal\)/},
    {what: 'replicas with a fixed host_port', edit: (doc) => doc.setIn(['services', 'web'], {...(doc.getIn(['services', 'web']) as {toJSON(): object}).toJSON(), replicas: 2, host_port: 8080}), message: /service "web": replicas 2 cannot share the fixed host_port 8080/},
  ]

  it.each(cases)('$what', async ({edit, message}) => {
    const fx = await fixtures.stack('shop', {edit})
    // a Dockerfile with no named stage, beside berth.yml (for the case that names it)
    execFileSync('sh', ['-c', 'printf "FROM local/node:20\\nCMD [\\"node\\"]\\n" > Dockerfile.single'], {cwd: fx.dir})
    const r = await fx.run(['up', 'qa'])
    expect(r.code, r.stderr).toBe(3)
    const [line] = r.stderr.split('\n')
    expect(line).toMatch(/^berth: error: berth\.yml:\d+:\d+: /)
    expect(line).toMatch(message)
    expect(r.stderr).not.toMatch(/\n\s+at /) // no stack trace
    expect(await containersOf(fx.name)).toEqual([])
    expect(await volumesOf(fx.name)).toEqual([])
    expect(networksOf(fx.name)).toEqual([])
  })
})
