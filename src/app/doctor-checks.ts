/**
 * The checks of berth doctor, one function each: what it found, how bad it is, and the exact fix.
 * Each one catches its own failures; none throws.
 */
import {isBerthError} from '../core/errors.js'
import type {PortBinding} from '../core/render.js'
import {checkPorts} from './preflight.js'
import type {DiagnosticsPort, EngineInfo, EnginePort, HostPortsPort, MachineFacts} from './ports.js'

export type CheckLevel = 'ok' | 'warn' | 'fail'

export interface DoctorCheck {
  id: string
  ok: boolean
  level: CheckLevel
  summary: string
  /** The exact thing to do, for a warning or a failure. */
  fix?: string
  details?: Record<string, unknown>
}

export function check(id: string, level: CheckLevel, summary: string, fix?: string, details?: Record<string, unknown>): DoctorCheck {
  return {id, ok: level !== 'fail', level, summary, ...(fix && level !== 'ok' ? {fix} : {}), ...(details ? {details} : {})}
}

/** A check that could not run because another one failed. */
export function skipped(id: string, because: string, details?: Record<string, unknown>, first = 'the engine check'): DoctorCheck {
  return check(id, 'warn', `not checked: ${because}`, `Fix ${first} first, then run berth doctor again.`, {skipped: true, ...details})
}

/** A BerthError as a failed check: its message, its hints as the fix. */
export function failed(id: string, error: unknown, details?: Record<string, unknown>): DoctorCheck {
  if (isBerthError(error)) return check(id, 'fail', error.message, error.hints.join(' ') || undefined, details)
  return check(id, 'fail', error instanceof Error ? error.message : String(error), 'Run again with --debug for details.', details)
}

const GiB = 1024 ** 3

export function gib(bytes: number): string {
  return `${(bytes / GiB).toFixed(1)} GiB`
}

/** Free space under the engine's data root: warn under 10 GiB, fail under 2 GiB. */
export function diskCheck(root: string, space: {free: number; total: number} | undefined, how: string): DoctorCheck {
  if (!space) {
    return check('disk', 'warn', `free space under ${root} not measured (the engine's disk is not on this machine, and no helper image to ask it with)`, `See it with: docker system df; or map the helper image: BERTH_IMAGE_MAP=debian:bookworm-slim=IMAGE`, {root})
  }
  const details = {root, free: space.free, total: space.total, measuredBy: how}
  const summary = `${gib(space.free)} free of ${gib(space.total)} under ${root}`
  const fix = 'See what uses it with docker system df; free space with docker builder prune and docker image prune, and remove old branches\' data with berth volumes prune --dry-run, then without --dry-run.'
  if (space.free < 2 * GiB) return check('disk', 'fail', `only ${summary}: builds and databases will fail`, fix, details)
  if (space.free < 10 * GiB) return check('disk', 'warn', `only ${summary}`, fix, details)
  return check('disk', 'ok', summary, undefined, details)
}

/** Whether the engine runs on this machine (its data root is a path here). */
export function engineIsLocal(info: EngineInfo, endpoint: string | undefined, machine: MachineFacts): boolean {
  if (machine.platform !== 'linux') return false
  if (endpoint && !endpoint.startsWith('unix://')) return false
  return info.Name === machine.hostname && info.KernelVersion === machine.release
}

/** `df -Pk /` in a helper container: the overlay's free space is its upper layer's, under the data root. */
export function parseDf(output: string): {free: number; total: number} | undefined {
  const line = output.trim().split('\n').pop() ?? ''
  const cols = line.trim().split(/\s+/)
  const total = Number(cols[1])
  const free = Number(cols[3])
  return Number.isFinite(total) && Number.isFinite(free) && total > 0 ? {free: free * 1024, total: total * 1024} : undefined
}

/** The engine's clock against ours: warn past 2 s (beyond what the round trip allows). */
export function clockCheck(systemTime: string | undefined, before: number, after: number): DoctorCheck {
  const engine = systemTime ? Date.parse(systemTime.replace(/(\.\d{3})\d+/, '$1')) : Number.NaN
  if (!Number.isFinite(engine)) return check('clock', 'warn', 'the engine did not say its time (docker info SystemTime)', 'Check with: docker info --format {{.SystemTime}}')
  const skew = engine - (before + after) / 2
  const slack = (after - before) / 2
  const details = {skewMs: Math.round(skew), roundTripMs: after - before}
  const text = `${Math.abs(skew / 1000).toFixed(1)} s ${skew > 0 ? 'ahead of' : 'behind'} this machine`
  if (Math.abs(skew) - slack > 2000) {
    return check('clock', 'warn', `the engine's clock is ${text}: TLS certificates, caches and build timestamps go wrong`, 'Sync the clocks: on Linux sudo timedatectl set-ntp true; with Docker Desktop, colima or WSL restart its VM (colima restart; wsl --shutdown).', details)
  }
  return check('clock', 'ok', `engine and host clocks agree (${Math.abs(skew) < 1000 ? 'within 1 s' : text})`, undefined, details)
}

const INOTIFY_FILE = '/proc/sys/fs/inotify/max_user_watches'
const INOTIFY_MIN = 65_536

/** berth watch and dev servers watch files with inotify: warn below 65536 watches. */
export function inotifyCheck(machine: MachineFacts, diag: Pick<DiagnosticsPort, 'readText'>): DoctorCheck {
  if (machine.platform !== 'linux') return check('inotify', 'ok', `no inotify limit on ${machine.platform}`)
  const text = diag.readText(INOTIFY_FILE)
  const limit = text === undefined ? Number.NaN : Number(text.trim())
  if (!Number.isFinite(limit)) return check('inotify', 'warn', `cannot read ${INOTIFY_FILE}`, `Check with: cat ${INOTIFY_FILE}`)
  const fix = 'sudo sysctl fs.inotify.max_user_watches=524288, and to keep it: echo fs.inotify.max_user_watches=524288 | sudo tee /etc/sysctl.d/60-inotify-watches.conf'
  if (limit < INOTIFY_MIN) return check('inotify', 'warn', `max_user_watches is ${limit}: berth watch and dev servers may miss changes in a large repository (ENOSPC)`, fix, {limit})
  return check('inotify', 'ok', `max_user_watches is ${limit}`, undefined, {limit})
}

/** berth's local CA (made by the first berth up qa): its expiry. */
export function caCheck(file: string, diag: Pick<DiagnosticsPort, 'certificate'>, now: number): DoctorCheck {
  let cert: {subject: string; notAfter: Date} | undefined
  try {
    cert = diag.certificate(file)
  } catch (error) {
    return check('ca', 'fail', `${file} is not a readable certificate (${(error as Error).message})`, `Remove it (rm ${file}); the next berth up qa makes a new one.`, {file})
  }
  if (!cert) return check('ca', 'ok', 'the local CA is not created yet (made by the first berth up qa)', undefined, {file, present: false})
  const days = Math.floor((cert.notAfter.getTime() - now) / 86_400_000)
  const details = {file, present: true, subject: cert.subject, notAfter: cert.notAfter.toISOString(), daysLeft: days}
  const renew = `Remove it (rm ${file}) and run berth up qa: berth makes a new one (browsers must trust the new one again).`
  if (days < 0) return check('ca', 'fail', `the local CA expired on ${cert.notAfter.toISOString().slice(0, 10)}`, renew, details)
  if (days < 30) return check('ca', 'warn', `the local CA expires in ${days} days (${cert.notAfter.toISOString().slice(0, 10)})`, renew, details)
  return check('ca', 'ok', `the local CA is valid until ${cert.notAfter.toISOString().slice(0, 10)} (${file})`, undefined, details)
}

/** Every host port of the stack, each free (or this stack's own / its front door's), else who holds it. */
export async function portsCheck(ports: PortBinding[], stack: string, door: string, engine: Pick<EnginePort, 'containers'> | undefined, probe: HostPortsPort): Promise<DoctorCheck> {
  const taken: Array<{port: number; bind: string; service: string; holder: string}> = []
  const hints = new Set<string>()
  for (const p of ports) {
    try {
      if (engine) await checkPorts([p], stack, engine, probe, door)
      else if (!(await probe.canBind(p.bind, p.host))) throw new Error(`port ${p.host} on ${p.bind} (service ${p.service}) is already in use by ${probe.describeListener(p.host) ?? 'another process'}`)
    } catch (error) {
      taken.push({port: p.host, bind: p.bind, service: p.service, holder: (error as Error).message})
      if (isBerthError(error)) for (const h of error.hints) hints.add(h)
    }
  }
  const list = ports.map((p) => `${p.bind}:${p.host}`).join(', ')
  const details = {ports: ports.map((p) => ({service: p.service, bind: p.bind, host: p.host, container: p.container})), taken}
  if (taken.length === 0) return check('ports', 'ok', ports.length ? `the dev stack's ${ports.length} host ports are free (or already this stack's): ${list}` : 'the dev stack publishes no host port', undefined, details)
  const fix = hints.size ? [...hints].join(' ') : 'Stop what holds the port, or set host_port for that service in berth.yml (or BERTH_PORT_OFFSET=1000 for every port).'
  return check('ports', 'fail', taken.map((t) => t.holder).join('; '), fix, details)
}
