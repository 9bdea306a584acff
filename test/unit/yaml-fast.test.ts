import {readdirSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {parseDocument, stringify} from 'yaml'
import {describe, expect, it} from 'vitest'
import {parseYamlSource} from '../../src/core/source.js'
import {parseFastYaml} from '../../src/core/yaml-fast.js'

/** The library's reading (what berth read before the fast path), or undefined on an error. */
function library(text: string): {value: unknown} | undefined {
  const doc = parseDocument(text, {prettyErrors: false})
  if (doc.errors.length > 0) return undefined
  return {value: doc.toJS({maxAliasCount: -1})}
}

/** The fast reader gives the library's value, or gives up; it never reads what the library refuses. */
function agrees(text: string): boolean {
  const fast = parseFastYaml(text)
  if (!fast) return false
  const lib = library(text)
  expect(lib, `the library refuses what the fast reader read:\n${text}`).toBeDefined()
  expect(fast.value, text).toStrictEqual(lib!.value)
  return true
}

const TRICKY = [
  'a: 1\n', 'a: -0\n', 'a: +12\n', 'a: 007\n', 'a: 123456789012345\n', 'a: 1234567890123456\n', 'a: 1.5\n', 'a: 1e3\n', 'a: 0x1F\n', 'a: 0o17\n',
  'a: .inf\n', 'a: 1_000\n', 'a: 12:30\n', 'a: 2026-11-30\n', 'a: yes\n', 'a: no\n', 'a: on\n', 'a: y\n', 'a: true\n', 'a: True\n', 'a: TRUE\n',
  'a: tRUE\n', 'a: null\n', 'a: Null\n', 'a: ~\n', 'a: ~x\n', 'a:\n', 'a: # c\n', 'a: x # c\n', 'a: x#c\n', 'a: x  y\n', 'a: x   \n',
  "a: 'it''s'\n", "a: 'x' # c\n", "a: 'x'y\n", 'a: "x"\n', 'a: "x\\ny"\n', 'a: "x" y\n', "a: 'open\n", 'a: "open\n', 'a: []\n', 'a: {}\n',
  'a: [1]\n', 'a: {b: 1}\n', 'a: &x 1\nb: *x\n', 'a: !!str 1\n', 'a: |\n  x\n', 'a: >\n  x\n', 'a: x\n  y\n', 'a: x\n\n  y\n', 'a: x\n  # c\n',
  'a: x\n# c\nb: y\n', 'a: http://x:3000/\n', 'a: node:20\n', 'a: x: y\n', 'a: x:\n', 'a: ${VAR}\n', 'a: ${{ port }}\n', 'a: $${X}\n',
  'a: -x\n', 'a: - x\n', 'a: --require=/x\n', 'a: /abs\n', 'a: @x\n', 'a: `x\n', 'a: %x\n', 'a: ?x\n', 'a: ? x\n', 'a: ,x\n', 'a: x,y\n',
  'a: x]\n', 'a: x}\n', 'a: {x\n', 'a: ünï\n', 'a: 日本\n', 'a: "ünï"\n', 'a:  two spaces\n', 'a:x\n', 'a :x\n', 'a : x\n',
  '1: a\n', '007: a\n', '1e3: a\n', 'true: a\n', 'null: a\n', '~: a\n', '"1": a\n1: b\n', 'a: 1\na: 2\n', "'a': 1\n", '"a b": 1\n',
  '__proto__: 1\n', 'x-y.z/w: 1\n', '_: 1\n', '<<: 1\n', 'a b: 1\n', '"a": 1\n"b" : 2\n', "'a''b': 1\n",
  'a:\n  b: 1\n  c: 2\n', 'a:\n  b: 1\n c: 2\n', 'a:\n  b: 1\n   c: 2\n', 'a:\n    b: 1\n  c: 2\n', 'a:\n- 1\n- 2\nb: 3\n', 'a:\n  - 1\n  - 2\n',
  'a:\n  - 1\n  b: 2\n', '- a\n- b\n', '- a\nb: 1\n', 'a: 1\n- b\n', '-\n  a: 1\n', '-\n- a\n', '- - a\n  - b\n- c\n', '- a: 1\n  b: 2\n- c: 3\n',
  '- a: 1\n   b: 2\n', '- a: 1\n b: 2\n', '-   a: 1\n    b: 2\n', '- k:\n  - a\n  - b\n', '- k:\n  - a\n  j: 1\n', '- a\n  b\n', '- # c\n  a: 1\n',
  '-a\n', '- a: 1\n  - b\n', 'a:\n  b:\n    c:\n      d: 1\n  e: 2\n', 'a:\n\n  b: 1\n', 'a: 1\n\n\nb: 2\n', 'a: 1', '  a: 1\n', 'a\n', '# only\n', '',
  '---\na: 1\n', 'a: 1\n---\nb: 2\n', 'a: 1\n...\n', '%YAML 1.2\n---\na: 1\n', 'a: 1\r\nb: 2\r\n', 'a:\tb\n', '\ufeffa: 1\n', 'a: x\u2028y\n',
  'a:\n  b: 1\n  b: 2\n', `${'k'.repeat(1001)}: 1\n`, `a: ${'x'.repeat(5000)}\n`, 'a: 1\n  # deeper comment\nb: 2\n', 'a:\n  # c\n  b: 1\n',
  'a:\n    # c\nb: 1\n', 'a: b # c: d\n', 'a: "b" #c\n', "a: ''\n", 'a: ""\n', 'a: "#"\n', 'a: x #\n',
]

describe('the fast YAML reader: the library\'s value, or it gives up', () => {
  it('tricky inputs: never a different value, never what the library refuses', () => {
    const read = TRICKY.filter(agrees)
    // Most plain forms are read on the fast path.
    for (const t of ['a: 1\n', 'a: x # c\n', "a: 'it''s'\n", 'a:\n- 1\n- 2\nb: 3\n', '- a: 1\n  b: 2\n- c: 3\n', 'a: http://x:3000/\n']) expect(read).toContain(t)
  })

  it('random documents built from the same pieces', () => {
    const keys = ['a', 'b', 'K_1', '3000', '"q"', "'s'", 'true', 'x.y', 'a b', '? c']
    const values = ['', ' 1', ' x', ' -1', ' ~', ' null', ' yes', ' true', ' 1.5', ' "dq"', " 'sq'", ' a: b', ' [1]', ' {}', ' x # c', ' *x', ' &x v', ' |', ' http://h:1', ' ${X}']
    let seed = 42
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n)
    let read = 0
    for (let doc = 0; doc < 3000; doc++) {
      const lines: string[] = []
      let ind = 0
      for (let l = rand(8) + 1; l > 0; l--) {
        ind = Math.max(0, ind + [-4, -2, 0, 0, 2, 1][rand(6)])
        const item = rand(4) === 0 ? '- ' : ''
        const body = rand(5) === 0 ? values[rand(values.length)].trimStart() : `${keys[rand(keys.length)]}:${values[rand(values.length)]}`
        lines.push(rand(12) === 0 ? `${' '.repeat(ind)}# c` : `${' '.repeat(ind)}${item}${body}`)
      }
      if (agrees(lines.join('\n') + '\n')) read++
    }
    expect(read).toBeGreaterThan(300)
  })

  it('the project\'s own YAML files', () => {
    const files: string[] = []
    const walk = (dir: string) => {
      for (const e of readdirSync(dir)) {
        const f = path.join(dir, e)
        if (e === 'node_modules' || e.startsWith('.')) continue
        if (statSync(f).isDirectory()) walk(f)
        else if (/\.ya?ml$/.test(e)) files.push(f)
      }
    }
    for (const d of ['stacks', 'templates']) walk(path.resolve(__dirname, '../..', d))
    expect(files.length).toBeGreaterThan(3)
    for (const f of files) {
      const text = readFileSync(f, 'utf8')
      if (parseFastYaml(text)) agrees(text)
    }
  })

  it('a 50,000-entry env is read on the fast path, with positions only when asked', () => {
    const env: Record<string, string> = {}
    for (let i = 0; i < 50_000; i++) env[`VAR_${String(i).padStart(6, '0')}`] = `value-${i}-${'x'.repeat(70)}`
    // As scripts/bench-parse.js writes it (stringify), written here directly: the library takes seconds on it.
    const text = `name: big\nservices:\n  web:\n    template: node\n    port: 3000\n    command:\n      - node\n      - index.js\n    env:\n${Object.entries(env)
      .map(([k, v]) => `      ${k}: ${v}\n`)
      .join('')}`
    const fast = parseFastYaml(text)
    expect(fast).toBeDefined()
    expect((fast!.value as {services: {web: {env: object}}}).services.web.env).toStrictEqual(env)
    // Positions (the library's parse) only when something is located; 2,000 entries to keep the test quick.
    const small = stringify({name: 'big', services: {web: {env: Object.fromEntries(Object.entries(env).slice(0, 2000))}}})
    const source = parseYamlSource(small, 'berth.yml')
    expect(source.locateKey(['services', 'web', 'env', 'VAR_001999'])).toEqual({file: 'berth.yml', line: 2004, col: 7})
  })
})
