import {describe, expect, it} from 'vitest'
import {branchId, composeProjectName, escapeDollars, slug, volumeName} from '../../src/core/naming.js'

const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/
const COMPOSE_PROJECT = /^[a-z0-9][a-z0-9_-]*$/
const NASTY = ['main', 'feat/a-b', 'feat-a/b', 'fix/a;b', '$(touch x)', 'x;touch${IFS}pwned', "it's", 'a"b', 'a|b&c', 'naïve-ünïcode', 'emoji-🚀', '#hash', 'x'.repeat(200), '-', '___']

describe('naming', () => {
  it('slugs to lowercase ascii words, bounded', () => {
    expect(slug('Feat/Naïve Ünïcode')).toBe('feat-naive-unicode')
    expect(slug('x'.repeat(100), 24)).toHaveLength(24)
    expect(slug('🚀')).toBe('')
  })

  it('gives every git-valid branch name a valid, stable project and volume name', () => {
    for (const branch of NASTY) {
      const project = composeProjectName('shop', 'dev', branch)
      expect(project, branch).toMatch(COMPOSE_PROJECT)
      expect(composeProjectName('shop', 'dev', branch)).toBe(project)
      for (const kind of ['data', 'shared', 'cache'] as const) {
        expect(volumeName({project: 'shop', env: 'dev', branch, service: 'db', key: 'data', kind, contentHash: 'abc123'})).toMatch(DOCKER_NAME)
      }
    }
  })

  it('never gives two branches the same id, even when their slugs collide', () => {
    expect(slug('feat/a-b')).toBe(slug('feat-a/b'))
    expect(branchId('feat/a-b')).not.toBe(branchId('feat-a/b'))
    const ids = new Set(NASTY.map(branchId))
    expect(ids.size).toBe(NASTY.length)
  })

  it('names a repository without git apart from any branch', () => {
    expect(branchId(null)).toBe('nogit')
    expect(branchId('nogit')).not.toBe('nogit')
  })

  it('escapes $ for Compose interpolation', () => {
    expect(escapeDollars('x;touch${IFS}pwned')).toBe('x;touch$${IFS}pwned')
  })
})
