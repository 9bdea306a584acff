// Waiting for a deployed stack: converged, rolled back (which task failed and why, its last log lines),
// a new service that does not start, the timeout. A scripted swarm answers one state per poll.
import {describe, expect, it} from 'vitest'
import {converge} from '../../src/app/converge.js'
import type {Reporter, SwarmPort, SwarmServiceStatus, SwarmTask} from '../../src/app/ports.js'
import {ExitCode} from '../../src/core/errors.js'
import type {SwarmStack} from '../../src/core/swarm.js'

const STACK: SwarmStack = {name: 's', model: {}, secrets: [], envRefs: {}, services: [{name: 'web', image: 'i', built: false, replicas: 1, ports: []}]}
const service = (over: Partial<SwarmServiceStatus> = {}): SwarmServiceStatus => ({id: 'w1', name: 'web', image: 'i', wanted: 1, running: 0, ports: [], specKey: 'new', ...over})
const task = (over: Partial<SwarmTask> = {}): SwarmTask => ({id: 'task0123456789ab', service: 'w1', slot: 1, state: 'running', desired: 'running', specKey: 'new', at: '2026-01-01T00:00:01Z', ...over})

function scripted(polls: Array<{services: SwarmServiceStatus[]; tasks: SwarmTask[]}>, logs = 'line 1\nboom') {
  let i = 0
  let now = 0
  const lines: string[] = []
  const swarm = {
    services: async () => polls[Math.min(i, polls.length - 1)].services,
    tasks: async () => polls[Math.min(i++, polls.length - 1)].tasks,
    taskLogs: async () => logs,
  } as unknown as SwarmPort
  const reporter = {tty: false, step: () => {}, info: (m: string) => lines.push(m), warn: () => {}, passthrough: () => {}} as Reporter
  const clock = {now: () => now, sleep: async (ms: number) => void (now += ms)}
  return {deps: {swarm, reporter, clock}, lines}
}

async function failure(p: Promise<unknown>): Promise<Error & {exitCode?: number}> {
  try {
    await p
  } catch (error) {
    return error as Error & {exitCode?: number}
  }
  throw new Error('expected an error, none was thrown')
}

describe('converge', () => {
  it('waits until every service runs its replicas of the current spec, a line per change', async () => {
    const {deps, lines} = scripted([
      {services: [service()], tasks: [task({state: 'starting'})]},
      {services: [service({running: 1})], tasks: [task()]},
    ])
    await converge(STACK, [], {}, deps)
    expect(lines).toEqual(['  web: 0/1 running', '  web: converged: 1/1 running'])
  })

  it('an update this deploy started must complete; an old one does not count', async () => {
    const before = [service({running: 1, update: {state: 'rollback_completed', startedAt: 'yesterday'}})]
    const {deps, lines} = scripted([
      {services: [service({running: 1, update: {state: 'updating', startedAt: 'now'}})], tasks: [task()]},
      {services: [service({running: 1, update: {state: 'completed', startedAt: 'now'}})], tasks: [task()]},
    ])
    await converge(STACK, before, {}, deps)
    expect(lines).toEqual(['  web: 1/1 running, updating', '  web: converged: 1/1 running'])
  })

  it('a completed update waits for the previous version\'s tasks to stop (they may still be answering)', async () => {
    const old = task({id: 'old0123456789ab', desired: 'shutdown', specKey: 'previous'})
    const {deps, lines} = scripted([
      {services: [service({running: 1, update: {state: 'completed', startedAt: 'now'}})], tasks: [old, task()]},
      {services: [service({running: 1, update: {state: 'completed', startedAt: 'now'}})], tasks: [{...old, state: 'shutdown'}, task()]},
    ])
    await converge(STACK, [], {}, deps)
    expect(lines).toEqual(['  web: 1/1 running, 1 of the previous version stopping', '  web: converged: 1/1 running'])
  })

  it('a rolled-back update: which task failed, why, its last log lines (exit 10), once the previous version runs', async () => {
    const failed = task({id: 'bad0123456789ab', state: 'failed', desired: 'shutdown', error: 'task: non-zero exit (3)', specKey: 'broken', at: '2026-01-01T00:00:09Z'})
    const {deps, lines} = scripted([
      {services: [service({update: {state: 'rollback_completed', startedAt: 'now'}})], tasks: [failed]},
      {services: [service({running: 1, update: {state: 'rollback_completed', startedAt: 'now'}})], tasks: [failed, task()]},
    ])
    const e = await failure(converge(STACK, [], {}, deps))
    expect(e.exitCode).toBe(ExitCode.DEPLOY)
    expect(e.message).toBe('the update of web failed and was rolled back: task bad012345678 (slot 1) failed: task: non-zero exit (3)\n  its last log lines:\n    line 1\n    boom')
    expect(lines).toEqual(['  web: 0/1 running, rolled back, restarting the previous version'])
  })

  it('a new service whose tasks keep failing does not start (no waiting for the timeout)', async () => {
    const tasks = [1, 2, 3].map((n) => task({id: `t${n}aaaaaaaaaaaaaa`, state: 'rejected', desired: 'shutdown', error: 'No such image: x:1', at: `2026-01-01T00:00:0${n}Z`}))
    const {deps} = scripted([{services: [service()], tasks}])
    const e = await failure(converge(STACK, [], {}, deps))
    expect(e.message).toMatch(/^web does not start: task t3a{10} \(slot 1\) rejected: No such image: x:1/)
  })

  it('gives up after the timeout, naming what is pending', async () => {
    const {deps} = scripted([{services: [service()], tasks: [task({state: 'starting'})]}])
    const e = await failure(converge(STACK, [], {timeoutSeconds: 5}, deps))
    expect(e.exitCode).toBe(ExitCode.DEPLOY)
    expect(e.message).toBe('stack s did not converge in 5 s: web (0/1 running)')
  })
})
