/**
 * What `berth up` sees while Compose waits for a stack: one row per container (state, health, seconds,
 * the last health probe's output) and whether to stop waiting at once. Pure: the looks at the
 * containers (from `docker inspect`) and the clock are handed in; src/app/up-watch.ts polls.
 *
 * Fail fast when, since `up` began:
 * - a container exited (any exit of a long-running service; a setup container, or a one-shot service
 *   others wait for with `service_completed_successfully`, exiting 0 is normal);
 * - a container restarted (its restart count grew, or it is restarting);
 * - Docker gave up on its health check (unhealthy);
 * - its health probe answered with a server error (HTTP 5xx) IN_A_ROW times in a row (probes that got no
 *   answer, refused or timed out, do not break the row), the first of them at least GRACE_MS ago: the app
 *   is up but broken, and waiting longer will not help.
 */

/** Consecutive 5xx answers of a health probe that end the wait (once GRACE_MS has passed since the first). */
export const IN_A_ROW = 3
/** How long after a probe first answers 5xx berth keeps waiting for a better answer. */
export const GRACE_MS = 5000

export interface ProbeRun {
  /** When it started (Docker's RFC 3339 text): tells one run from another. */
  start: string
  exitCode: number
  output: string
}

/** One container as `docker inspect` shows it (the parts used here). */
export interface ContainerLook {
  id: string
  service: string
  /** berth's role label: 'app', or 'setup' for a one-shot container run before its service. */
  role?: string
  /** created, running, restarting, exited, dead, paused, removing */
  state: string
  exitCode: number
  restartCount: number
  startedAt: string
  /** Docker's health: none without a healthcheck. */
  health?: {status: string; log: ProbeRun[]}
}

/** How a container was when up began (a container Compose only reuses must not count as exited now). */
export interface Baseline {
  startedAt: string
  restartCount: number
  state: string
}

export interface Row {
  service: string
  /** What it is doing: created, waiting (stopped, not started yet), starting, healthy, unhealthy, running, done, exited, restarting. */
  status: string
  /** Seconds since berth first saw it (until it was ready). */
  seconds: number
  /** The last health probe's output, on one line. */
  probe?: string
  ready: boolean
}

export interface Failure {
  id: string
  service: string
  /** One line: "web is unhealthy: GET /health -> HTTP 500 (3 probes in a row)". */
  reason: string
}

interface Track {
  firstSeen: number
  readyAt?: number
  seen: Set<string>
  serverErrors: number
  firstServerError?: number
}

/** The HTTP status a probe's output reports ("GET / -> HTTP 500", "HTTP/1.1 503", curl's "returned error: 502"). */
export function httpStatusOf(output: string): number | undefined {
  const m = /\bHTTP(?:\/[\d.]+)?\s+(\d{3})\b/.exec(output) ?? /returned error:?\s+(\d{3})\b/.exec(output)
  return m ? Number(m[1]) : undefined
}

/** A probe's output on one line, trimmed. */
export function oneLine(output: string, max = 160): string {
  const line = output.replace(/\s+/g, ' ').trim()
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

export class Readiness {
  private readonly tracks = new Map<string, Track>()

  constructor(
    private readonly baseline: ReadonlyMap<string, Baseline>,
    /** Services others wait for to complete (`service_completed_successfully`): exiting 0 is their job. */
    private readonly oneShot: ReadonlySet<string> = new Set(),
    private readonly rules = {inARow: IN_A_ROW, graceMs: GRACE_MS},
  ) {}

  /** Whether this container ran (again) since up began, rather than being one Compose found as it is. */
  private fresh(c: ContainerLook): boolean {
    const before = this.baseline.get(c.id)
    return !before || before.startedAt !== c.startedAt
  }

  /** Take in one look at every container of the stack: the rows to show, and a failure when waiting is over. */
  observe(looks: readonly ContainerLook[], now: number): {rows: Row[]; failure?: Failure} {
    // One row per service: while Compose replaces a container, the new one (not there when up began) is shown.
    const rows = new Map<string, Row & {replacing: boolean}>()
    let failure: Failure | undefined
    for (const c of [...looks].sort((a, b) => a.service.localeCompare(b.service))) {
      let t = this.tracks.get(c.id)
      if (!t) this.tracks.set(c.id, (t = {firstSeen: now, seen: new Set(), serverErrors: 0}))
      const {row, problem} = this.judge(c, t, now)
      if (row.ready) t.readyAt ??= now
      row.seconds = Math.max(0, Math.round(((t.readyAt ?? now) - t.firstSeen) / 1000))
      const replacing = !this.baseline.has(c.id)
      if (!rows.has(c.service) || (replacing && !rows.get(c.service)!.replacing)) rows.set(c.service, {...row, replacing})
      failure ??= problem ? {id: c.id, service: c.service, reason: problem} : undefined
    }
    return {rows: [...rows.values()].map(({replacing: _, ...row}) => row), failure}
  }

  private judge(c: ContainerLook, t: Track, now: number): {row: Row; problem?: string} {
    const probe = this.probes(c, t, now)
    const row: Row = {service: c.service, status: c.state, seconds: 0, ready: false, ...(probe.last ? {probe: probe.last} : {})}
    const before = this.baseline.get(c.id)
    if (c.restartCount > (before?.restartCount ?? 0) || (c.state === 'restarting' && this.fresh(c))) {
      return {row: {...row, status: 'restarting'}, problem: `${c.service} restarted while starting (exit code ${c.exitCode})`}
    }
    if (c.state === 'exited' || c.state === 'dead') {
      // A container Compose found stopped (and will start) or stops to replace is not news.
      if (!this.fresh(c)) return {row: {service: c.service, status: 'waiting', seconds: 0, ready: false}}
      if (c.exitCode === 0 && (c.role === 'setup' || this.oneShot.has(c.service))) return {row: {...row, status: 'done', ready: true}}
      return {row: {...row, status: 'exited'}, problem: `${c.service} exited with code ${c.exitCode} while starting`}
    }
    if (c.state !== 'running') return {row}
    if (!c.health) return {row: {...row, status: 'running', ready: c.role !== 'setup' && !this.oneShot.has(c.service)}}
    const status = c.health.status
    if (status === 'unhealthy' && this.fresh(c)) return {row: {...row, status}, problem: `${c.service} is unhealthy${probe.last ? `: ${probe.last}` : ''}`}
    if (probe.broken) return {row: {...row, status: 'unhealthy'}, problem: `${c.service} is unhealthy: ${probe.last} (${t.serverErrors} probes in a row)`}
    return {row: {...row, status, ready: status === 'healthy'}}
  }

  /** The health probes run since the last look: 5xx answers counted in a row, and the last output. */
  private probes(c: ContainerLook, t: Track, now: number): {last?: string; broken: boolean} {
    const log = c.health?.log ?? []
    for (const run of log) {
      if (t.seen.has(run.start)) continue
      t.seen.add(run.start)
      // Only answers count: a probe that got none (refused, timed out on a busy machine) changes nothing.
      const status = httpStatusOf(run.output)
      if (status === undefined) continue
      if (status >= 500) {
        t.serverErrors++
        t.firstServerError ??= now
      } else {
        t.serverErrors = 0
        t.firstServerError = undefined
      }
    }
    const last = log.length ? oneLine(log[log.length - 1].output) || `exit code ${log[log.length - 1].exitCode}` : undefined
    const broken = t.serverErrors >= this.rules.inARow && t.firstServerError !== undefined && now - t.firstServerError >= this.rules.graceMs
    return {last, broken}
  }
}

/** A row as a line of the live view: `web  starting  12 s  GET / -> HTTP 500`. */
export function formatRow(row: Row, width: number): string {
  const parts = [row.service.padEnd(width), row.status.padEnd(10), `${row.seconds} s`.padStart(5)]
  if (row.probe && !row.ready) parts.push(` ${row.probe}`)
  return parts.join(' ')
}

/** The rows as lines, names aligned. */
export function formatRows(rows: readonly Row[]): string[] {
  const width = Math.max(0, ...rows.map((r) => r.service.length))
  return rows.map((r) => formatRow(r, width))
}
