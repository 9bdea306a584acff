// LazyMap: values made on first read (berth's built-in templates are parsed only when a stack uses one).
import {describe, expect, it} from 'vitest'
import {LazyMap} from '../../src/core/lazy-map.js'

describe('LazyMap', () => {
  it('makes a deferred value once, on its first read; keys, has and size see it before', () => {
    const made: string[] = []
    const m = new LazyMap<string, number>()
    m.defer('a', () => (made.push('a'), 1)).defer('b', () => (made.push('b'), 2))
    expect([...m.keys()]).toEqual(['a', 'b'])
    expect(m.has('b')).toBe(true)
    expect(m.size).toBe(2)
    expect(made).toEqual([])
    expect(m.get('a')).toBe(1)
    expect(m.get('a')).toBe(1)
    expect(made).toEqual(['a'])
  })

  it('a value set over a deferred one replaces it, never made', () => {
    const m = new LazyMap<string, number>()
    m.defer('a', () => {
      throw new Error('made')
    })
    m.set('a', 7)
    expect(m.get('a')).toBe(7)
  })

  it('iterating makes every deferred value', () => {
    const m = new LazyMap<string, number>()
    m.defer('a', () => 1).set('b', 2)
    expect([...m]).toEqual([['a', 1], ['b', 2]])
    expect([...m.values()]).toEqual([1, 2])
  })
})
