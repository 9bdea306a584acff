// berth logs' --tail (-n): a count of lines or "all", checked before anything is rendered or run.
import {cpSync, mkdtempSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {logs} from '../../src/app/passthrough.js'
import type {ComposePort, ComposeTarget} from '../../src/app/ports.js'
import {loadProject} from '../../src/app/project.js'
import {ExitCode} from '../../src/core/errors.js'
import {testDeps} from './fakes.js'
import {ROOT} from './helpers.js'

async function shopLogs(tail: string | undefined) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-logs-'))
  cpSync(path.join(ROOT, 'stacks', 'shop'), dir, {recursive: true, filter: (src) => !/[/\\](node_modules|\.berth)$/.test(src)})
  const runs: string[][] = []
  const compose = {
    passthrough: async (_target: ComposeTarget, args: string[]) => (runs.push(args), 0),
  } as unknown as ComposePort
  const env = {BERTH_BRANCH: 'main', BERTH_CONFIG: '/nonexistent/berth-config.yml'}
  const deps = testDeps({compose}, env)
  const project = await loadProject({cwd: dir}, deps)
  const result = await logs(project, {env: 'dev', services: ['web'], tail}, deps).then(
    (code) => ({code, error: undefined}),
    (error: Error & {exitCode?: number}) => ({code: undefined, error}),
  )
  return {...result, runs}
}

describe('berth logs --tail', () => {
  it.each(['abc', '-1', '-5', '1.5', '', ' 3', '10x', '0x10', '1e3'])('refuses %j with one usage line (exit 2), running nothing', async (tail) => {
    const {error, runs} = await shopLogs(tail)
    expect(error?.exitCode).toBe(ExitCode.USAGE)
    expect(error?.message).toMatch(/^--tail .* is not a number of lines/)
    expect(error?.message).not.toContain('\n')
    expect(runs).toEqual([])
  })

  it.each([
    ['100', '100'],
    ['0', '0'],
    ['all', 'all'],
  ])('passes %j to docker compose logs --tail', async (tail, passed) => {
    const {code, runs} = await shopLogs(tail)
    expect(code).toBe(0)
    expect(runs).toEqual([['logs', '--no-color', '--tail', passed, 'web']])
  })

  it('gives no --tail when none is asked for', async () => {
    const {runs} = await shopLogs(undefined)
    expect(runs).toEqual([['logs', '--no-color', 'web']])
  })
})
