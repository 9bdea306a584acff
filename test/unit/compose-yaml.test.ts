import {stringify} from 'yaml'
import {describe, expect, it, vi} from 'vitest'

// The library's stringify, counted (composeBody must not call it once per entry).
vi.mock('yaml', async (importOriginal) => {
  const yaml = await importOriginal<typeof import('yaml')>()
  return {...yaml, stringify: vi.fn(yaml.stringify)}
})
import {composeBody, plainScalar, sortedKeys} from '../../src/core/compose-yaml.js'

const OPTIONS = {lineWidth: 0, aliasDuplicateObjects: false}
const library = (model: unknown) => stringify(sortedKeys(model), OPTIONS)

/** Strings that need care in YAML: quoting, block scalars, indicators, look-alikes of other types. */
const TRICKY: unknown[] = [
  'plain', 'two words', 'a,b', 'a=b', '/abs/path', 'x-y_z.w', 'a@b', 'a+b', '_x', 'Z', 'yes', 'no', 'on', 'off', 'y', 'n', '~x',
  'true', 'True', 'TRUE', 'false', 'null', 'Null', 'NULL', '~', '', ' ', ' lead', 'trail ', 'in  two', 'a: b', 'a:b', 'a #b', 'a#b', '#x',
  '3000', '-1', '+1', '1.5', '.5', '1e3', '0x1F', '0o17', '.inf', '-.inf', '.nan', '007', '1_000', '12:30', '2026-11-30',
  '-x', '--require=/opt/x.cjs', '- x', '? x', ':x', '*x', '&x', '!x', '|x', '>x', '%x', '@x', '`x', '"q"', "'q'", "it's", 'say "hi"',
  '[a]', '{a}', 'a[b]', '${VAR}', '$${VAR}', '${{ port }}', 'http://127.0.0.1:3000/', 'line\nbreak', 'line\n\nblank\n', '\n lead', 'trail\n',
  'tab\there', 'back\\slash', 'ünïcödé', '日本', '\u0007bell', 'x'.repeat(300), `${'word '.repeat(40)}end`,
  0, 1, -1, 3000, 1.5, -0, 1e21, Number.MAX_SAFE_INTEGER, true, false, null,
]
const KEYS = ['A', 'NODE_ENV', 'com.berth.x', 'x-y', '3000', '1', 'true', 'null', 'a b', 'a: b', '-x', '"q"', 'ünï', '${X}', 'k'.repeat(200), '_']

describe('composeBody writes what yaml writes, keys sorted', () => {
  it('plainScalar agrees with the library on every tricky string, as a key and as a value', () => {
    for (const s of [...TRICKY, ...KEYS]) {
      const asValue = plainScalar(s, false)
      if (asValue !== undefined) expect(stringify({k: s}, OPTIONS), JSON.stringify(s)).toBe(`k: ${asValue}\n`)
      const asKey = plainScalar(s, true)
      if (asKey !== undefined) expect(stringify({[s as string]: 1}, OPTIONS), JSON.stringify(s)).toBe(`${asKey}: 1\n`)
    }
  })

  it('mappings of scalars at any depth (under keys, in lists, after "- ") are written as the library writes them', () => {
    const env = Object.fromEntries(TRICKY.map((v, i) => [`VAR_${String(i).padStart(3, '0')}`, v]))
    const keyed = Object.fromEntries(KEYS.map((k, i) => [k, TRICKY[i * 7]]))
    const plainOnly = {B: 'b', A: 'a', C: 3000, D: true}
    const model = {
      name: 'x',
      services: {
        web: {environment: env, labels: keyed, volumes: [{type: 'bind', bind: plainOnly, nested: [{environment: env}]}], plain: plainOnly, empty: {}},
        'odd key': {environment: plainOnly},
        '3000': {environment: plainOnly},
      },
      list: [plainOnly, [plainOnly], {a: {b: {c: env}}}],
    }
    expect(composeBody(model)).toBe(library(model))
    for (const [k, v] of Object.entries(env)) expect(composeBody({s: {e: {[k]: v}}}), k).toBe(library({s: {e: {[k]: v}}}))
  })

  it('falls back to the library when a string holds the placeholder text', () => {
    const model = {a: {b: 'c'}, d: {e: 'berthblock'}}
    expect(composeBody(model)).toBe(library(model))
  })

  it('a 20,000-entry environment', () => {
    const env: Record<string, string> = {}
    for (let i = 0; i < 20_000; i++) env[`VAR_${String(20_000 - i).padStart(6, '0')}`] = i % 1000 ? `value-${i}` : `${i}`
    const model = {services: {web: {environment: env, image: 'node'}, 'web-setup': {environment: {...env, BERTH_INSTALL_KEY: 'abc123'}}}}
    const calls = vi.mocked(stringify).mock.calls.length
    const body = composeBody(model)
    // One call for the document, one for each environment's 20 entries that need quotes: not one per entry.
    expect(vi.mocked(stringify).mock.calls.length - calls).toBe(3)
    expect(body).toBe(library(model))
  }, 60_000)
})
