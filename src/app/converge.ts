/**
 * Waiting for a deployed stack to converge: every service with its wanted replicas running its current
 * spec (healthy: Swarm counts a task with a healthcheck as running only once it is healthy), and every
 * update started by this deploy completed. Progress per service on stderr, a line when it changes. An
 * update Swarm rolled back, a service whose tasks keep failing, or the timeout: an error naming the task
 * that failed, why, and its last log lines.
 */
import {BerthError, ExitCode} from '../core/errors.js'
import type {SwarmStack} from '../core/swarm.js'
import type {Deps, SwarmServiceStatus, SwarmTask} from './ports.js'

export interface ConvergeOptions {
  /** Give up after this many seconds (300 by default). */
  timeoutSeconds?: number
}

const FAILED = new Set(['failed', 'rejected'])
/** A new service whose tasks failed this many times is not going to start. */
const FIRST_DEPLOY_FAILURES = 3
const LOG_LINES = 10

export async function converge(stack: SwarmStack, before: SwarmServiceStatus[], options: ConvergeOptions, deps: Pick<Deps, 'swarm' | 'clock' | 'reporter'>): Promise<void> {
  const {swarm, clock, reporter} = deps
  const until = clock.now() + (options.timeoutSeconds ?? 300) * 1000
  const earlier = new Map(before.map((s) => [s.name, s.update?.startedAt]))
  const said = new Map<string, string>()
  for (;;) {
    const [services, tasks] = await Promise.all([swarm.services(stack.name), swarm.tasks(stack.name)])
    const pending: string[] = []
    for (const want of stack.services) {
      const s = services.find((x) => x.name === want.name)
      const line = s ? await judge(stack.name, s, earlier.get(want.name), tasks, deps, clock.now()) : 'waiting for the service'
      if (said.get(want.name) !== line) {
        reporter.info(`  ${want.name}: ${line}`)
        said.set(want.name, line)
      }
      if (!line.startsWith('converged')) pending.push(`${want.name} (${line})`)
    }
    if (pending.length === 0) return
    if (clock.now() > until) {
      throw new BerthError(`stack ${stack.name} did not converge in ${options.timeoutSeconds ?? 300} s: ${pending.join('; ')}`, {
        exitCode: ExitCode.DEPLOY,
        hints: [`See its tasks: docker stack ps ${stack.name} --no-trunc; berth deploy status`],
      })
    }
    await clock.sleep(400)
  }
}

/** A service's state in one line ("converged: 2/2 running"); throws when it failed. */
const rollbackSeen = new Map<string, number>()
const ROLLBACK_WAIT = 60_000

function rollbackWaited(id: string, now: number): boolean {
  if (!rollbackSeen.has(id)) rollbackSeen.set(id, now)
  return now - rollbackSeen.get(id)! > ROLLBACK_WAIT
}

async function judge(stack: string, s: SwarmServiceStatus, earlierUpdate: string | undefined, tasks: SwarmTask[], deps: Pick<Deps, 'swarm'>, now: number): Promise<string> {
  const update = s.update && s.update.startedAt !== earlierUpdate ? s.update : undefined
  const mine = tasks.filter((t) => t.service === s.id)
  if (update && (update.state === 'rollback_completed' || update.state === 'rollback_paused' || update.state === 'paused')) {
    // Rolled back: the error once the previous spec runs again (up to ROLLBACK_WAIT after the rollback).
    if (update.state === 'rollback_completed' && s.running < s.wanted && !rollbackWaited(s.id, now)) return `${s.running}/${s.wanted} running, rolled back, restarting the previous version`
    const failed = latestFailed(mine)
    const rolled = update.state === 'paused' ? 'was paused' : 'failed and was rolled back'
    throw await failure(`the update of ${s.name} ${rolled}`, stack, failed, deps, update.message)
  }
  if (!update) {
    const failedNow = mine.filter((t) => t.specKey === s.specKey && FAILED.has(t.state))
    if (failedNow.length >= FIRST_DEPLOY_FAILURES && s.running < s.wanted) throw await failure(`${s.name} does not start`, stack, latestFailed(failedNow), deps)
  }
  const counts = `${s.running}/${s.wanted} running`
  if (update && update.state !== 'completed') return `${counts}, ${update.state.replace('_', ' ')}`
  // Swarm calls an update complete when the last new task runs; an old one may still be finishing its requests.
  const old = mine.filter((t) => t.state === 'running' && t.specKey !== s.specKey).length
  if (old > 0 && s.running >= s.wanted) return `${counts}, ${old} of the previous version stopping`
  return s.running >= s.wanted ? `converged: ${counts}` : counts
}

function latestFailed(tasks: SwarmTask[]): SwarmTask | undefined {
  return tasks.filter((t) => FAILED.has(t.state) || (t.error && t.state !== 'running')).sort((a, b) => String(b.at).localeCompare(String(a.at)))[0]
}

async function failure(what: string, stack: string, task: SwarmTask | undefined, deps: Pick<Deps, 'swarm'>, message?: string): Promise<BerthError> {
  let why = message ? ` (${message})` : ''
  let logs = ''
  if (task) {
    why = `: task ${task.id.slice(0, 12)}${task.slot ? ` (slot ${task.slot})` : ''} ${task.state}: ${task.error ?? task.message ?? 'no reason given'}`
    try {
      logs = await deps.swarm.taskLogs(task.id, LOG_LINES)
    } catch {
      logs = ''
    }
  }
  const tail = logs ? `\n  its last log lines:\n${logs.split('\n').slice(-LOG_LINES).map((l) => `    ${l}`).join('\n')}` : ''
  return new BerthError(`${what}${why}${tail}`, {
    exitCode: ExitCode.DEPLOY,
    hints: [`See every task: docker stack ps ${stack} --no-trunc`],
  })
}
