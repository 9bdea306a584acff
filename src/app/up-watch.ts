/**
 * While Compose runs `up --detach --wait`, berth looks at the stack's containers every POLL_MS: a live
 * line per service on a terminal (state, health, seconds, the last health probe's output), a plain line
 * when a service's state changes elsewhere, and a stop at once when a container exits or restarts or keeps
 * answering its health probe with a server error (src/core/readiness.ts has the rules). Compose is then
 * stopped and `up` fails with why: the probe's output and the service's last log lines.
 */
import {BerthError, ExitCode, isBerthError} from '../core/errors.js'
import {LABEL} from '../core/naming.js'
import {formatRows, Readiness, type Baseline, type ContainerLook, type Failure, type Row} from '../core/readiness.js'
import type {ContainerDetails, Deps, RunOptions} from './ports.js'

const PROJECT = 'com.docker.compose.project'
const SERVICE = 'com.docker.compose.service'
/** How often the containers are looked at while Compose waits. */
export const POLL_MS = 300
/** Log lines of the failing service shown in the error. */
export const LOG_LINES = 10

type WatchDeps = Pick<Deps, 'engine' | 'clock' | 'reporter'>

function lookOf(d: ContainerDetails): ContainerLook {
  const labels = d.Config?.Labels ?? {}
  const health = d.State?.Health
  return {
    id: d.Id,
    service: labels[SERVICE] ?? d.Name?.replace(/^\//, '') ?? d.Id.slice(0, 12),
    role: labels[LABEL.role],
    state: d.State?.Status ?? 'unknown',
    exitCode: d.State?.ExitCode ?? 0,
    restartCount: d.RestartCount ?? 0,
    startedAt: d.State?.StartedAt ?? '',
    ...(health && health.Status !== 'none' ? {health: {status: health.Status, log: (health.Log ?? []).map((l) => ({start: l.Start, exitCode: l.ExitCode, output: l.Output ?? ''}))}} : {}),
  }
}

/** Every container of a Compose project, inspected; one that went away meanwhile is left out. */
async function looks(engine: WatchDeps['engine'], project: string): Promise<ContainerLook[]> {
  const listed = await engine.containers({[PROJECT]: project}, true)
  const inspected = await Promise.all(listed.map((c) => engine.inspectContainer(c.Id).catch(() => undefined)))
  return inspected.filter((d): d is ContainerDetails => Boolean(d)).map(lookOf)
}

/** Services others wait for with `condition: service_completed_successfully`: exiting 0 is what they are for. */
export function oneShotServices(compose: Record<string, unknown>): Set<string> {
  const names = new Set<string>()
  for (const service of Object.values((compose.services ?? {}) as Record<string, {depends_on?: unknown}>)) {
    const dependsOn = service?.depends_on
    if (!dependsOn || typeof dependsOn !== 'object' || Array.isArray(dependsOn)) continue
    for (const [name, dep] of Object.entries(dependsOn as Record<string, {condition?: string}>)) {
      if (dep?.condition === 'service_completed_successfully') names.add(name)
    }
  }
  return names
}

export interface WatchOptions {
  /** The Compose project (the stack). */
  project: string
  /** The rendered Compose model (for one-shot services). */
  compose: Record<string, unknown>
  /** The environment, for the hint (berth logs SERVICE --env ENV). */
  env: string
  /** Compose builds images first (--build): its output is shown as it comes, and the view is plain lines. */
  build?: boolean
}

export interface StackWatch {
  /** How Compose is to be run meanwhile: its progress kept for errors, not drawn over the live view; aborted on a failure. */
  composeOptions: RunOptions
  /** Compose failed (or was stopped by the watch): berth's own reason when it has one, else Compose's error. */
  explain(error: unknown): Promise<unknown>
  /** Stop looking; the view shows its last state. */
  stop(): Promise<void>
}

/** Start watching a stack before Compose brings it up (what is there already is the baseline). */
export async function watchStack(deps: WatchDeps, options: WatchOptions): Promise<StackWatch> {
  const {engine, clock, reporter} = deps
  const baseline = new Map<string, Baseline>(
    (await looks(engine, options.project).catch(() => [])).map((c) => [c.id, {startedAt: c.startedAt, restartCount: c.restartCount, state: c.state}]),
  )
  const readiness = new Readiness(baseline, oneShotServices(options.compose))
  const live = Boolean(reporter.tty && reporter.live && !options.build)
  const abort = new AbortController()
  let failure: Failure | undefined
  const show = announcer(reporter, live)
  const record = changes(reporter)

  const tick = async () => {
    const seen = await looks(engine, options.project).catch(() => undefined)
    if (!seen) return
    const judged = readiness.observe(seen, clock.now())
    failure ??= judged.failure
    show(judged.rows)
    record(judged.rows)
    if (failure) abort.abort()
  }

  const halt = poll(tick, () => Boolean(failure))
  let ended = false
  const stop = async () => {
    if (ended) return
    ended = true
    await halt()
    // The last state: all ready after a success, or what Compose left behind.
    if (!failure) await tick()
    reporter.endLive?.()
  }

  return {
    composeOptions: {
      progress: 'plain',
      signal: abort.signal,
      ...(options.build ? {onStderr: (chunk: Buffer) => reporter.passthrough(chunk)} : {}),
    },
    async explain(error) {
      // Compose may have seen an exit first: the last look (in stop) may say why. Ctrl-C stays Ctrl-C (exit 130).
      await stop()
      if (!failure || (isBerthError(error) && error.exitCode === ExitCode.INTERRUPTED)) return error
      return failureError(engine, failure, options.env, isBerthError(error) ? error : undefined)
    },
    stop,
  }
}

/** What the rows say: redrawn in place on a terminal, else a line when a service's state changes, or its probe answers something new while it starts. */
function announcer(reporter: WatchDeps['reporter'], live: boolean): (rows: Row[]) => void {
  const said = new Map<string, {status: string; probes: Set<string>}>()
  return (rows) => {
    if (live) {
      reporter.live?.(formatRows(rows))
      return
    }
    for (const row of rows) {
      if (row.status === 'waiting') continue
      const probe = row.probe && !row.ready && row.status !== 'created' ? ` (${row.probe})` : ''
      const before = said.get(row.service)
      if (before?.status === row.status && before.probes.has(probe)) continue
      if (before?.status === row.status) before.probes.add(probe)
      else said.set(row.service, {status: row.status, probes: new Set([probe])})
      reporter.info(`${row.service}: ${row.ready ? `${row.status} after ${row.seconds} s` : `${row.status}${probe}`}`)
    }
  }
}

/** Each change of a service's state or probe answer, as a trace line (--debug, BERTH_TRACE_FILE): where an up that waits is waiting. */
function changes(reporter: WatchDeps['reporter']): (rows: Row[]) => void {
  const last = new Map<string, string>()
  return (rows) => {
    for (const row of rows) {
      const now = `${row.status}${row.probe ? ` (${row.probe})` : ''}`
      if (last.get(row.service) === now) continue
      last.set(row.service, now)
      reporter.trace?.(`watch: ${row.service} ${now} at ${row.seconds} s`)
    }
  }
}

/** Run `tick` every POLL_MS until `done()` or the returned halt() (which waits for a tick under way to end). */
function poll(tick: () => Promise<void>, done: () => boolean): () => Promise<void> {
  let stopped = false
  let wake: (() => void) | undefined
  const loop = (async () => {
    while (!stopped && !done()) {
      await tick()
      if (stopped || done()) break
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, POLL_MS)
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
  })()
  return async () => {
    stopped = true
    wake?.()
    await loop
  }
}

/** The error `up` ends with: the reason, the service's last log lines, and where to look next. */
async function failureError(engine: WatchDeps['engine'], failure: Failure, env: string, composeError?: BerthError): Promise<BerthError> {
  const logs = (await engine.containerLogs(failure.id, LOG_LINES).catch(() => '')).trimEnd()
  const lines = logs ? `\n  last log lines of ${failure.service}:\n${logs.split('\n').map((l) => `    ${l}`).join('\n')}` : ''
  const where = env === 'dev' ? '' : ` --env ${env}`
  return new BerthError(`${failure.reason}${lines}`, {
    exitCode: ExitCode.COMPOSE,
    hints: [`berth logs ${failure.service}${where}`],
    cause: composeError,
  })
}
