import {describe, expect, it} from 'vitest'
import {resolvePlaceholders} from '../../src/core/placeholders.js'
import {parseYamlSource} from '../../src/core/source.js'
import {thrown} from './helpers.js'

function resolve(text: string, scope: Record<string, unknown>) {
  const source = parseYamlSource(text, 'templates/services/x.yml')
  return resolvePlaceholders(source.value, scope, {source, basePath: []})
}

describe('placeholders', () => {
  it('keeps the type of a whole-value placeholder', () => {
    expect(resolve('port: ${{ port }}\ncmd: ${{ command }}', {port: 8000, command: ['node', 'a.js']})).toEqual({port: 8000, cmd: ['node', 'a.js']})
  })

  it('writes text inside a string, and reaches nested names', () => {
    expect(resolve('url: "http://x:${{ port }}${{ env.path }}"', {port: 8000, env: {path: '/health'}})).toEqual({url: 'http://x:8000/health'})
  })

  it('leaves a key out when its value is null, and a mapping out when $if is falsy', () => {
    expect(resolve('a: ${{ x }}\nb: 1\nhc:\n  $if: ${{ x }}\n  test: t', {x: null})).toEqual({b: 1})
    expect(resolve('hc:\n  $if:\n    - ${{ x }}\n    - ${{ y }}\n  test: t', {x: 1, y: true})).toEqual({hc: {test: 't'}})
  })

  it("passes Compose's own ${VAR} interpolation through untouched", () => {
    expect(resolve('pw: ${DB_PASSWORD}', {})).toEqual({pw: '${DB_PASSWORD}'})
  })

  it('names file, line and column of an unknown placeholder', () => {
    const error = thrown(() => resolve('service:\n  image: ${{ image }}\n  port: ${{ prot }}\n', {image: 'x'}))
    expect(error.message).toBe('templates/services/x.yml:3:9: unknown placeholder ${{ prot }}')
    expect(error.exitCode).toBe(3)
  })
})
