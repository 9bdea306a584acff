import {describe, expect, it} from 'vitest'
import type {GitPort} from '../../src/app/ports.js'
import type {Project} from '../../src/app/project.js'
import {switchBranch} from '../../src/app/switch.js'
import {ExitCode} from '../../src/core/errors.js'
import {testDeps} from './fakes.js'

function fakeGit(dirty: string[], calls: string[]): GitPort {
  return {
    ...testDeps().git,
    dirtyFiles: async () => dirty,
    branchExists: async () => true,
    stash: async () => void calls.push('stash'),
    checkout: async (_cwd, b) => void calls.push(`checkout ${b}`),
  }
}

const project = {root: '/repo', ctx: {branch: 'main'}, stack: {value: {name: 'shop'}}} as unknown as Project

function run(options: {branch: string; stash?: boolean; force?: boolean}, dirty: string[], calls: string[]) {
  const reload = async () => {
    calls.push('reload')
    throw new Error('stop here')
  }
  const deps = testDeps({
    git: fakeGit(dirty, calls),
    engine: {containers: async () => []} as never,
    lock: {
      hold: async (name, fn) => {
        calls.push(`lock ${name}`)
        return fn()
      },
      holdIfFree: (_name, fn) => fn(),
    },
  })
  return switchBranch(project, {env: 'dev', ...options}, reload, deps)
}

describe('berth switch on a dirty work tree', () => {
  it('refuses with a GIT error and touches nothing', async () => {
    const calls: string[] = []
    const error = await run({branch: 'feat'}, ['src/a.ts'], calls).catch((e) => e)
    expect(error.exitCode).toBe(ExitCode.GIT)
    expect(error.message).toMatch(/uncommitted changes \(src\/a\.ts\)/)
    expect(error.hints.join(' ')).toMatch(/--stash/)
    expect(calls).toEqual(['lock shop'])
  })

  it('with --stash stashes, then checks out, holding the project lock', async () => {
    const calls: string[] = []
    await expect(run({branch: 'x;touch${IFS}pwned', stash: true}, ['a'], calls)).rejects.toThrow('stop here')
    expect(calls).toEqual(['lock shop', 'stash', 'checkout x;touch${IFS}pwned', 'reload'])
  })

  it('with --force checks out without stashing', async () => {
    const calls: string[] = []
    await expect(run({branch: 'feat', force: true}, ['a'], calls)).rejects.toThrow('stop here')
    expect(calls).toEqual(['lock shop', 'checkout feat', 'reload'])
  })
})
