/**
 * berth doctor: is this machine ready for berth? Independent checks run in parallel (the engine's chain,
 * Compose, git, the project); the ones that need an answer (disk, clock, images, ports) follow it.
 * Every problem comes with the exact fix. Exit 0 when nothing failed (warnings allowed), 4 when Docker is
 * not usable (engine, docker context, Compose v2 or the docker CLI), 5 for any other failure.
 */
import {randomBytes} from 'node:crypto'
import path from 'node:path'
import {DOOR_IMAGE} from '../core/door.js'
import {ExitCode} from '../core/errors.js'
import {parseImageMap, resolveImage} from '../core/images.js'
import {HELPER_LABEL, STACK_FILE} from '../core/naming.js'
import {loadUserConfig} from '../core/user-config.js'
import {caCheck, check, clockCheck, diskCheck, engineIsLocal, failed, inotifyCheck, parseDf, portsCheck, skipped, type CheckLevel, type DoctorCheck} from './doctor-checks.js'
import type {Deps, DiagnosticsPort, EngineInfo} from './ports.js'
import {findProjectRoot, loadProject, type Project} from './project.js'
import {renderProject, type Rendered} from './render.js'
import {DEFAULT_HELPER_IMAGE, helperImage} from './volumes/copy.js'
import {cloneModeOf} from './volumes/cow-mode.js'

export type {CheckLevel, DoctorCheck} from './doctor-checks.js'

export type DoctorDeps = Pick<Deps, 'engine' | 'compose' | 'hostPorts' | 'clock' | 'env' | 'machine' | 'git' | 'files' | 'install' | 'reporter' | 'state' | 'interrupts'> & {diagnostics: DiagnosticsPort}

export interface DoctorReport {
  status: CheckLevel
  exitCode: number
  /** The project checked, or null outside one. */
  project: {name: string; root: string} | null
  checks: DoctorCheck[]
}

/** Failures of these mean Docker is not usable: exit 4. */
const DOCKER_CHECKS = new Set(['engine', 'compose', 'context'])
const ENGINE_TIMEOUT_MS = 15_000
/** The Compose release whose `configs: {x: {content}}` the nginx template uses. */
const COMPOSE_CONFIGS = [2, 23, 1]

interface EngineAnswer {
  info: EngineInfo
  before: number
  after: number
}

export async function doctor(options: {cwd: string; dir?: string}, deps: DoctorDeps): Promise<DoctorReport> {
  const {diagnostics: diag} = deps
  const contextCheck = dockerContextCheck(diag)
  const engineP = askEngine(deps)
  const [engine, compose, git, project] = await Promise.all([engineP, composeCheck(deps), gitCheck(diag), openProject(options, deps)])
  const answer = 'answer' in engine ? engine.answer : undefined
  const rendered = project.project ? await renderDev(project.project, deps) : undefined
  const later = await Promise.all([
    answer ? diskSpace(answer.info, deps) : skipped('disk', 'the engine is not reachable'),
    rendered && 'result' in rendered
      ? portsCheck(rendered.result.result.ports, rendered.result.result.project, rendered.result.result.door.name, answer ? deps.engine : undefined, deps.hostPorts)
      : project.project ? skipped('ports', 'the dev stack did not render', undefined, 'the render check')
        : project.check.level === 'fail' ? skipped('ports', `${STACK_FILE} could not be read`, undefined, 'the project check')
          : check('ports', 'ok', `no ${STACK_FILE} here: no stack's ports to check`),
    imagesCheck(project.project, rendered && 'result' in rendered ? rendered.result : undefined, Boolean(answer), deps),
    answer ? cloneCheck(project.project, deps) : skipped('volumes', 'the engine is not reachable'),
  ])
  const checks = [
    engine.check,
    compose,
    contextCheck,
    git,
    project.check,
    ...(rendered && 'check' in rendered ? [rendered.check] : []),
    later[1],
    later[2],
    later[0],
    later[3],
    inotifyCheck(deps.machine, diag),
    caCheck(path.join(diag.stateDir, 'tls', 'ca.crt'), diag, deps.clock.now()),
    answer ? clockCheck(answer.info.SystemTime, answer.before, answer.after) : skipped('clock', 'the engine is not reachable'),
  ]
  return report(checks, project.project)
}

function report(checks: DoctorCheck[], project: Project | undefined): DoctorReport {
  const failedChecks = checks.filter((c) => c.level === 'fail')
  const exitCode = failedChecks.some((c) => DOCKER_CHECKS.has(c.id)) ? ExitCode.DOCKER : failedChecks.length ? ExitCode.PREFLIGHT : 0
  const status: CheckLevel = failedChecks.length ? 'fail' : checks.some((c) => c.level === 'warn') ? 'warn' : 'ok'
  return {status, exitCode, project: project ? {name: project.stack.value.name, root: project.root} : null, checks}
}

function dockerContextCheck(diag: DiagnosticsPort): DoctorCheck {
  try {
    const c = diag.dockerContext()
    const why = c.chosenBy === 'default' ? 'nothing chose another' : `chosen by ${c.chosenBy}`
    return check('context', 'ok', `docker context ${c.name} (${why}): ${c.address}`, undefined, {...c})
  } catch (error) {
    return failed('context', error)
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms / 1000} s`)), ms)
    timer.unref?.()
  })
  return Promise.race([p, late]).finally(() => clearTimeout(timer))
}

/** The engine answers, its version, and `docker info` timed (for the clock). */
async function askEngine(deps: DoctorDeps): Promise<{check: DoctorCheck; answer?: EngineAnswer}> {
  const {engine, clock} = deps
  let address: string | undefined
  try {
    address = engine.endpoint()
    await withTimeout(engine.ping(), ENGINE_TIMEOUT_MS, `the Docker engine at ${address ?? 'the local socket'}`)
    const version = await engine.version()
    const before = clock.now()
    const info = await engine.info()
    const after = clock.now()
    const where = address ?? 'unix:///var/run/docker.sock'
    const summary = `Docker Engine ${version.Version ?? info.ServerVersion ?? '?'} (API ${version.ApiVersion ?? '?'}, ${version.Os ?? '?'}/${version.Arch ?? '?'}) at ${where}`
    return {check: check('engine', 'ok', summary, undefined, {version: version.Version, apiVersion: version.ApiVersion, os: info.OperatingSystem, address: where}), answer: {info, before, after}}
  } catch (error) {
    const c = failed('engine', error, {address: address ?? null})
    const host = deps.env.DOCKER_HOST
    if (host) c.fix = `DOCKER_HOST is ${host} and no engine answers there: start the engine there, or unset DOCKER_HOST to use the local socket (or choose one: docker context use NAME). Check with: docker info`
    else if (!c.fix) c.fix = 'Start Docker (for example: sudo systemctl start docker), or point DOCKER_HOST at a running engine. Check with: docker info'
    return {check: c}
  }
}

async function composeCheck(deps: DoctorDeps): Promise<DoctorCheck> {
  try {
    const version = await deps.compose.version()
    const parts = version.split(/[.-]/).map(Number)
    const older = COMPOSE_CONFIGS.findIndex((n, i) => (parts[i] ?? 0) !== n)
    if (older >= 0 && (parts[older] ?? 0) < COMPOSE_CONFIGS[older]) {
      return check('compose', 'warn', `Docker Compose ${version}: older than ${COMPOSE_CONFIGS.join('.')}, whose configs berth's nginx template uses`, 'Update the Compose v2 plugin (the docker-compose-plugin package, or Docker Desktop).', {version})
    }
    return check('compose', 'ok', `Docker Compose ${version}`, undefined, {version})
  } catch (error) {
    return failed('compose', error)
  }
}

async function gitCheck(diag: DiagnosticsPort): Promise<DoctorCheck> {
  const version = await diag.gitVersion()
  if (!version) return check('git', 'fail', 'git is not installed or not on PATH: berth needs it for branches, switch and volumes', 'Install git (sudo apt-get install git, brew install git, or https://git-scm.com/downloads).')
  return check('git', 'ok', `git ${version}`, undefined, {version})
}

/** How new branches' data volumes are made on this engine: copy-on-write, or full copies (and why). */
async function cloneCheck(project: Project | undefined, deps: DoctorDeps): Promise<DoctorCheck> {
  try {
    const image = project ? helperImage(project, deps.env) : resolveImage(DEFAULT_HELPER_IMAGE, {images: parseImageMap(deps.env.BERTH_IMAGE_MAP ?? ''), registry: deps.env.BERTH_REGISTRY})
    const mode = await cloneModeOf(deps, project?.stack.value.name ?? 'berth-doctor', image)
    // The warm volume helper: berth's volume steps run in it (made at the first one, gone after minutes unused).
    const warm = (await deps.engine.containers({[HELPER_LABEL]: 'volumes'}, true)).map((c) => `${(c.Names?.[0] ?? c.Id).replace(/^\//, '')} ${c.State}`)
    const helper = deps.env.BERTH_VOLUME_HELPER === 'off' ? 'warm volume helper off' : warm.length ? `warm volume helper ${warm.join(', ')}` : 'no warm volume helper now (made at the next volume step)'
    if (mode.mode === 'overlay') return check('volumes', 'ok', `new branches' data: copy-on-write (overlay volumes${mode.metacopy ? ', metacopy' : ''}; BERTH_CLONE=${mode.setting ?? 'auto'}); ${helper}`, undefined, {mode: mode.mode, metacopy: Boolean(mode.metacopy), volumeHelpers: warm})
    return check('volumes', 'ok', `new branches' data: full copies (${mode.why}); ${helper}`, mode.setting === 'copy' ? undefined : 'Copy-on-write needs overlayfs in the engine\'s local volume driver (a rootful Linux engine, Docker Desktop, colima)', {mode: mode.mode, why: mode.why, volumeHelpers: warm})
  } catch (error) {
    return failed('volumes', error)
  }
}

/** The project of --dir or the nearest berth.yml; none outside a project (its checks are skipped, and said so). */
async function openProject(options: {cwd: string; dir?: string}, deps: DoctorDeps): Promise<{check: DoctorCheck; project?: Project}> {
  try {
    findProjectRoot(options.cwd, options.dir, (f) => deps.files.exists(f))
  } catch (error) {
    if (options.dir) return {check: failed('project', error)}
    return {check: check('project', 'ok', `no ${STACK_FILE} in ${options.cwd} or above: project checks (the stack's ports and images) skipped`, undefined, {found: false})}
  }
  try {
    const project = await loadProject(options, deps)
    const where = path.relative(options.cwd, project.file) || STACK_FILE
    return {project, check: check('project', 'ok', `${where}: project ${project.stack.value.name}, branch ${project.ctx.branch ?? '(no git)'}`, undefined, {found: true, name: project.stack.value.name, root: project.root, branch: project.ctx.branch})}
  } catch (error) {
    return {check: failed('project', error, {found: true})}
  }
}

async function renderDev(project: Project, deps: DoctorDeps): Promise<{result: Rendered} | {check: DoctorCheck}> {
  try {
    return {result: await renderProject(project, 'dev', deps)}
  } catch (error) {
    return {check: failed('render', error)}
  }
}

/** Free space under the engine's data root: statfs when the engine is on this machine, else a helper's df. */
async function diskSpace(info: EngineInfo, deps: DoctorDeps): Promise<DoctorCheck> {
  const root = info.DockerRootDir ?? '/var/lib/docker'
  if (engineIsLocal(info, deps.engine.endpoint(), deps.machine)) {
    const space = await deps.diagnostics.diskSpace(root)
    if (space) return diskCheck(root, space, 'statfs')
  }
  const image = deps.env.BERTH_HELPER_IMAGE || resolveImage(DEFAULT_HELPER_IMAGE, await imageOptions(undefined, deps))
  try {
    if (!(await deps.engine.hasImage(image))) return diskCheck(root, undefined, '')
    const r = await deps.engine.runHelper({name: `berth-doctor-df-${randomBytes(4).toString('hex')}`, image, cmd: ['df', '-Pk', '/'], mounts: [], labels: {[HELPER_LABEL]: 'doctor'}})
    return diskCheck(root, r.code === 0 ? parseDf(r.output) : undefined, `df in ${image}`)
  } catch {
    return diskCheck(root, undefined, '')
  }
}

async function imageOptions(project: Project | undefined, deps: DoctorDeps): Promise<{images: Record<string, string>; registry?: string}> {
  if (project) return {images: {...project.stack.value.images, ...project.ctx.images}, registry: project.ctx.registry ?? project.stack.value.registry}
  try {
    const user = await loadUserConfig(deps.files.userConfigFile, deps.env, deps.files.project)
    return {images: user.images, registry: user.registry}
  } catch {
    return {images: {}}
  }
}

/** Where each mapping comes from (the environment wins over the user config, which wins over berth.yml). */
async function mapSources(project: Project | undefined, deps: DoctorDeps): Promise<Map<string, {to: string; from: string}>> {
  const out = new Map<string, {to: string; from: string}>()
  for (const [k, v] of Object.entries(project?.stack.value.images ?? {})) out.set(k, {to: v, from: STACK_FILE})
  try {
    const user = await loadUserConfig(deps.files.userConfigFile, {}, deps.files.project)
    for (const [k, v] of Object.entries(user.images)) out.set(k, {to: v, from: deps.files.userConfigFile})
  } catch {
    // a broken user config is the project check's to report
  }
  if (deps.env.BERTH_IMAGE_MAP) {
    try {
      for (const [k, v] of Object.entries(parseImageMap(deps.env.BERTH_IMAGE_MAP))) out.set(k, {to: v, from: 'BERTH_IMAGE_MAP'})
    } catch {
      // reported by every command at start-up (settings)
    }
  }
  return out
}

/** The image map, and which mapped images (and the dev stack's, the door's and the helper's) the engine has. */
async function imagesCheck(project: Project | undefined, rendered: Rendered | undefined, engineUp: boolean, deps: DoctorDeps): Promise<DoctorCheck> {
  const map = await mapSources(project, deps)
  const options = await imageOptions(project, deps)
  const used = new Set<string>([deps.env.BERTH_DOOR_IMAGE || resolveImage(DOOR_IMAGE, options), deps.env.BERTH_HELPER_IMAGE || resolveImage(DEFAULT_HELPER_IMAGE, options)])
  for (const s of Object.values((rendered?.result.compose.services ?? {}) as Record<string, {image?: unknown; build?: unknown}>)) {
    if (typeof s.image === 'string' && !s.build) used.add(s.image)
  }
  const mapped = [...map].map(([from, m]) => ({from, to: m.to, source: m.from}))
  if (!engineUp) return skipped('images', 'the engine is not reachable', {map: mapped})
  const wanted = [...new Set([...mapped.map((m) => m.to), ...used])].sort()
  const present = new Map(await Promise.all(wanted.map(async (ref) => [ref, await deps.engine.hasImage(ref).catch(() => false)] as const)))
  const missing = wanted.filter((ref) => !present.get(ref))
  const details = {map: mapped.map((m) => ({...m, present: present.get(m.to) ?? false})), used: [...used].sort().map((ref) => ({image: ref, present: present.get(ref) ?? false})), registry: options.registry ?? null}
  const what = `${mapped.length} mapped image${mapped.length === 1 ? '' : 's'}${rendered ? ', the dev stack\'s' : ''}, the front door's and the copy helper's`
  if (missing.length === 0) return check('images', 'ok', `${what}: all ${wanted.length} present`, undefined, details)
  const fixes = missing.map((ref) => {
    const m = mapped.find((x) => x.to === ref)
    return m ? `docker pull ${ref} (or build it), or change ${m.from}=${ref} in ${m.source}` : `docker pull ${ref}, or map it to an image you have: BERTH_IMAGE_MAP="${ref}=IMAGE"`
  })
  return check('images', 'warn', `not on the engine: ${missing.join(', ')} (berth up pulls what it can; without a registry it fails)`, fixes.join('; '), details)
}
