// berth up's watch over the stack while Compose waits: it stops Compose at once when a service exits, and
// the error says why with the service's last log lines; the live view redraws in place on a terminal.
import {describe, expect, it} from 'vitest'
import {BerthError, ExitCode} from '../../src/core/errors.js'
import type {ContainerDetails, EnginePort, Reporter, RunOptions} from '../../src/app/ports.js'
import {watchStack} from '../../src/app/up-watch.js'
import {liveBlock} from '../../src/cli/reporter.js'

interface Scripted {
  id: string
  service: string
  status: string
  exitCode?: number
  startedAt?: string
  health?: {Status: string; Log: Array<{Start: string; End: string; ExitCode: number; Output: string}>}
}

function engineOf(containers: Scripted[], logs: Record<string, string> = {}): EnginePort {
  const details = (c: Scripted): ContainerDetails =>
    ({Id: c.id, Name: `/p-${c.service}-1`, RestartCount: 0, Config: {Labels: {'com.docker.compose.service': c.service, 'dev.berth.role': 'app'}}, State: {Status: c.status, ExitCode: c.exitCode ?? 0, StartedAt: c.startedAt ?? 'T1', Health: c.health}}) as unknown as ContainerDetails
  return {
    containers: async () => containers.map((c) => ({Id: c.id}) as never),
    inspectContainer: async (id: string) => details(containers.find((c) => c.id === id)!),
    containerLogs: async (id: string, tail: number) => (logs[id] ?? '').split('\n').slice(-tail).join('\n'),
  } as unknown as EnginePort
}

function recorder(): Reporter & {lines: string[]} {
  const lines: string[] = []
  return {lines, tty: false, step: (m) => void lines.push(m), info: (m) => void lines.push(m), warn: (m) => void lines.push(m), passthrough: () => undefined}
}

/** Compose waiting until it is stopped: it then fails as a killed docker compose does. */
function composeUntilAborted(options: RunOptions): Promise<never> {
  return new Promise((_resolve, reject) => {
    options.signal!.addEventListener('abort', () => reject(new BerthError('docker compose up failed (exit 143)', {exitCode: ExitCode.COMPOSE})))
  })
}

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 20))
  if (!ok()) throw new Error('condition not reached')
}

const clock = {now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms))}

describe('up: the watch over the stack', () => {
  it('a service that exits stops Compose at once; the error has the exit code, the last log lines and the hint', async () => {
    const web: Scripted = {id: 'w1', service: 'web', status: 'created'}
    const lines = Array.from({length: 15}, (_, i) => `line ${i + 1}`).join('\n')
    const reporter = recorder()
    const watch = await watchStack({engine: engineOf([web], {w1: lines}), clock, reporter}, {project: 'p', compose: {}, env: 'qa'})
    const started = Date.now()
    setTimeout(() => Object.assign(web, {status: 'exited', exitCode: 3, startedAt: 'T2'}), 50)
    const error = (await composeUntilAborted(watch.composeOptions).catch((e) => watch.explain(e))) as BerthError
    expect(Date.now() - started).toBeLessThan(2000)
    expect(error).toBeInstanceOf(BerthError)
    expect(error.exitCode).toBe(ExitCode.COMPOSE)
    expect(error.message.split('\n')[0]).toBe('web exited with code 3 while starting')
    expect(error.message).toContain('    line 15')
    expect(error.message).toContain('    line 6')
    expect(error.message).not.toContain('line 5\n')
    expect(error.hints).toEqual(['berth logs web --env qa'])
    expect(reporter.lines).toContain('web: exited')
  })

  it('Compose failing on its own keeps its error when berth saw nothing wrong', async () => {
    const watch = await watchStack({engine: engineOf([{id: 'd1', service: 'db', status: 'running'}]), clock, reporter: recorder()}, {project: 'p', compose: {}, env: 'dev'})
    const own = new BerthError('docker compose up failed (exit 1):\n    port is already allocated', {exitCode: ExitCode.COMPOSE})
    expect(await watch.explain(own)).toBe(own)
  })

  it('without a terminal: a plain line when a service changes state, not on every look', async () => {
    const db: Scripted = {id: 'd1', service: 'db', status: 'running', health: {Status: 'starting', Log: []}}
    const reporter = recorder()
    const watch = await watchStack({engine: engineOf([db]), clock, reporter}, {project: 'p', compose: {}, env: 'dev'})
    // several looks while it starts (each 300 ms), then healthy
    const looked = Date.now()
    await until(() => reporter.lines.length === 1 && Date.now() - looked > 700)
    db.health = {Status: 'healthy', Log: [{Start: 'a', End: 'b', ExitCode: 0, Output: 'ok'}]}
    await until(() => reporter.lines.length === 2)
    await watch.stop()
    expect(reporter.lines).toEqual(['db: starting', expect.stringMatching(/^db: healthy after \d+ s$/)])
  })
})

describe('the live block on a terminal', () => {
  it('redraws in place: cursor up over the lines drawn last, clear, draw; other output goes above it', () => {
    const written: string[] = []
    const stream = {columns: 40, write: (s: string) => void written.push(s)} as unknown as NodeJS.WriteStream
    const block = liveBlock(stream)
    block.draw(['web starting 1 s', 'db healthy 0 s'])
    block.draw(['web starting 1 s', 'db healthy 0 s'])
    expect(written).toEqual(['web starting 1 s\ndb healthy 0 s\n'])
    block.draw(['web healthy 2 s', 'db healthy 0 s'])
    expect(written[1]).toBe('\u001B[2F\u001B[J')
    block.around(() => stream.write('› a step\n'))
    expect(written.slice(3)).toEqual(['\u001B[2F\u001B[J', '› a step\n', 'web healthy 2 s\ndb healthy 0 s\n'])
    block.draw(['x'.repeat(100)])
    expect(written.at(-1)).toBe(`${'x'.repeat(38)}…\n`)
  })
})

describe('up: the watch and Ctrl-C', () => {
  it('an interrupted Compose stays interrupted (exit 130), whatever the last look found', async () => {
    const web: Scripted = {id: 'w1', service: 'web', status: 'created'}
    const watch = await watchStack({engine: engineOf([web]), clock, reporter: recorder()}, {project: 'p', compose: {}, env: 'dev'})
    Object.assign(web, {status: 'exited', exitCode: 130, startedAt: 'T2'})
    const interrupted = new BerthError('interrupted', {exitCode: ExitCode.INTERRUPTED})
    expect(await watch.explain(interrupted)).toBe(interrupted)
  })
})
