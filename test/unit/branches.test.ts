import {describe, expect, it} from 'vitest'
import {judgeClone, PORT_BLOCK, resolveBaseBranch, selectPrunable, unescapeDollars, worktreePortOffset} from '../../src/core/branches.js'
import {escapeDollars} from '../../src/core/naming.js'

describe('base branch resolution', () => {
  it('prefers berth.yml base_branch over everything', () => {
    expect(resolveBaseBranch({configured: 'develop', originHead: 'main', initDefault: 'trunk', local: ['main', 'develop']})).toBe('develop')
  })
  it('then origin/HEAD', () => {
    expect(resolveBaseBranch({originHead: 'trunk', initDefault: 'main', local: ['main']})).toBe('trunk')
  })
  it('then init.defaultBranch when that branch exists', () => {
    expect(resolveBaseBranch({initDefault: 'trunk', local: ['main', 'trunk']})).toBe('trunk')
    expect(resolveBaseBranch({initDefault: 'trunk', local: ['main']})).toBe('main')
  })
  it('then main, then master', () => {
    expect(resolveBaseBranch({local: ['feature', 'master', 'main']})).toBe('main')
    expect(resolveBaseBranch({local: ['feature', 'master']})).toBe('master')
    expect(resolveBaseBranch({local: []})).toBe('main')
  })
})

describe('worktree port blocks', () => {
  it('the main checkout has offset 0', () => {
    expect(worktreePortOffset({linked: false, name: '', path: '/repo'})).toBe(0)
  })
  it('a linked worktree gets a deterministic block of 100 in 100..5000', () => {
    const a = worktreePortOffset({linked: true, name: 'wt-a', path: '/src/wt-a'})
    expect(a).toBe(worktreePortOffset({linked: true, name: 'wt-a', path: '/src/wt-a'}))
    expect(a % PORT_BLOCK.step).toBe(0)
    expect(a).toBeGreaterThanOrEqual(100)
    expect(a).toBeLessThanOrEqual(5000)
  })
  it('spreads worktrees over the blocks', () => {
    const offsets = new Set(Array.from({length: 40}, (_, i) => worktreePortOffset({linked: true, name: `wt${i}`, path: `/src/wt${i}`})))
    expect(offsets.size).toBeGreaterThan(20)
  })
})

describe('prune selection', () => {
  const vols = [
    {volume: 'a', kind: 'data', branch: 'main'},
    {volume: 'b', kind: 'data', branch: 'gone'},
    {volume: 'c', kind: 'shared', branch: ''},
    {volume: 'd', kind: 'cache', branch: ''},
    {volume: 'e', kind: 'data', branch: 'x;touch${IFS}pwned'},
    {volume: 'f', kind: 'data', branch: 'detached-abc1234'},
    {volume: 'g', kind: 'data', branch: 'current-but-unborn'},
    {volume: 'h', kind: 'data', branch: ''},
  ]
  it('selects only data volumes of branches git no longer has', () => {
    const picked = selectPrunable(vols, ['main', 'x;touch${IFS}pwned'], 'current-but-unborn').map((v) => v.volume)
    expect(picked).toEqual(['b'])
  })
  it('never selects shared or cache volumes, even with no branches at all', () => {
    const picked = selectPrunable(vols, [], null).map((v) => v.volume)
    expect(picked).not.toContain('c')
    expect(picked).not.toContain('d')
    expect(picked).toEqual(['a', 'b', 'e', 'g'])
  })
  it("adds detached HEADs' volumes only when asked, never the current one", () => {
    expect(selectPrunable(vols, ['main', 'x;touch${IFS}pwned'], 'current-but-unborn', {detached: true}).map((v) => v.volume)).toEqual(['b', 'f'])
    expect(selectPrunable(vols, ['main', 'x;touch${IFS}pwned', 'current-but-unborn'], 'detached-abc1234', {detached: true}).map((v) => v.volume)).toEqual(['b'])
  })
})

describe('clone completeness', () => {
  it('a marker or an empty target means redo; otherwise complete', () => {
    expect(judgeClone(true, false)).toBe('incomplete')
    expect(judgeClone(false, true)).toBe('incomplete')
    expect(judgeClone(true, true)).toBe('incomplete')
    expect(judgeClone(false, false)).toBe('complete')
  })
})

describe('labels given to the engine', () => {
  it('unescapeDollars undoes escapeDollars', () => {
    for (const s of ['x;touch${IFS}pwned', '$$', 'a$b$$c', 'plain']) expect(unescapeDollars(escapeDollars(s))).toBe(s)
  })
})
