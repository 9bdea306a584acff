import {describe, expect, it} from 'vitest'
import {ExitCode} from '../../src/core/errors.js'
import type {Project} from '../../src/app/project.js'
import {switchBranch, type GitPort, type SwitchDeps} from '../../src/app/switch.js'
import {silentReporter} from '../../src/cli/reporter.js'

function fakeGit(dirty: string[], calls: string[]): GitPort {
  return {
    dirtyFiles: async () => dirty,
    branchExists: async () => true,
    stash: async () => void calls.push('stash'),
    checkout: async (_cwd, b) => void calls.push(`checkout ${b}`),
  }
}

const project = {root: '/repo', ctx: {branch: 'main'}, stack: {value: {name: 'shop'}}} as unknown as Project

function deps(git: GitPort, calls: string[]): SwitchDeps {
  return {
    git,
    reporter: silentReporter,
    reload: async () => {
      calls.push('reload')
      throw new Error('stop here')
    },
    engine: {containers: async () => []} as unknown as SwitchDeps['engine'],
    compose: {} as SwitchDeps['compose'],
    ports: {canBind: async () => true, describeListener: () => undefined},
  }
}

describe('berth switch on a dirty work tree', () => {
  it('refuses with a GIT error and touches nothing', async () => {
    const calls: string[] = []
    await expect(switchBranch(project, {branch: 'feat', env: 'dev'}, deps(fakeGit(['src/a.ts'], calls), calls))).rejects.toMatchObject({
      exitCode: ExitCode.GIT,
      message: expect.stringMatching(/uncommitted changes \(src\/a\.ts\)/),
      hints: expect.arrayContaining([expect.stringMatching(/--stash/)]),
    })
    expect(calls).toEqual([])
  })

  it('with --stash stashes, then checks out', async () => {
    const calls: string[] = []
    await expect(switchBranch(project, {branch: 'x;touch${IFS}pwned', env: 'dev', stash: true}, deps(fakeGit(['a'], calls), calls))).rejects.toThrow('stop here') // the fake reload ends it
    expect(calls).toEqual(['stash', 'checkout x;touch${IFS}pwned', 'reload'])
  })

  it('with --force checks out without stashing', async () => {
    const calls: string[] = []
    await expect(switchBranch(project, {branch: 'feat', env: 'dev', force: true}, deps(fakeGit(['a'], calls), calls))).rejects.toThrow('stop here') // the fake reload ends it
    expect(calls).toEqual(['checkout feat', 'reload'])
  })
})
