// Pure debugging helpers: the launch.json merge keeps the user's own configurations and comments,
// breakpoint specs, host <-> container paths, source maps both ways.
import {parse} from 'jsonc-parser'
import {describe, expect, it} from 'vitest'
import {attachConfig, containerToHost, hostToContainer, mergeLaunchJson, parseBreakSpec, SourceMapIndex, scriptUrlRegex} from '../../src/core/debug.js'

const USER_FILE = `{
  // my own launch configurations
  "version": "0.2.0",
  "configurations": [
    {
      // run the tests
      "type": "node",
      "request": "launch",
      "name": "tests",
      "program": "\${workspaceFolder}/test.js", // trailing comment
    },
    {"type": "node", "request": "attach", "name": "berth: web", "port": 1},
  ],
}
`

describe('mergeLaunchJson', () => {
  it('adds attach configurations and a compound, keeping other configurations and comments', () => {
    const web = attachConfig('web', 9301, '${workspaceFolder}/app', '/src')
    const api = attachConfig('api', 9300, '${workspaceFolder}/api', '/src')
    const out = mergeLaunchJson(USER_FILE, [api, web])
    expect(out).toContain('// my own launch configurations')
    expect(out).toContain('// run the tests')
    expect(out).toContain('// trailing comment')
    const doc = parse(out) as {configurations: Array<Record<string, unknown>>; compounds: Array<Record<string, unknown>>}
    expect(doc.configurations.map((c) => c.name)).toEqual(['tests', 'berth: web', 'berth: api'])
    expect(doc.configurations[0]).toEqual({type: 'node', request: 'launch', name: 'tests', program: '${workspaceFolder}/test.js'})
    expect(doc.configurations[1]).toEqual({...web})
    expect(doc.configurations[1]).toMatchObject({address: '127.0.0.1', port: 9301, localRoot: '${workspaceFolder}/app', remoteRoot: '/src', restart: true})
    expect(doc.compounds).toEqual([{name: 'berth: all services', configurations: ['berth: api', 'berth: web']}])
    // Merging again changes nothing.
    expect(mergeLaunchJson(out, [api, web])).toBe(out)
  })

  it('creates a file when there is none, and refuses to rewrite a broken one', () => {
    const out = mergeLaunchJson(undefined, [attachConfig('web', 9229, '${workspaceFolder}', '/src')])
    expect((parse(out) as {version: string}).version).toBe('0.2.0')
    expect(() => mergeLaunchJson('{"configurations": [', [attachConfig('web', 9229, '.', '/src')])).toThrow(/not valid JSON/)
  })
})

describe('paths and breakpoints', () => {
  it('parses FILE:LINE', () => {
    expect(parseBreakSpec('app/server.js:30')).toEqual({file: 'app/server.js', line: 30})
    expect(() => parseBreakSpec('server.js')).toThrow(/FILE:LINE/)
  })
  it('maps host and container paths through the deepest mount', () => {
    const mounts = [
      {source: '/home/me/shop/app', target: '/src'},
      {source: '/home/me/shop/app/lib', target: '/lib'},
    ]
    expect(hostToContainer('/home/me/shop/app/server.js', mounts)).toBe('/src/server.js')
    expect(hostToContainer('/home/me/shop/app/lib/x.js', mounts)).toBe('/lib/x.js')
    expect(hostToContainer('/home/me/other.js', mounts)).toBeUndefined()
    expect(containerToHost('/src/a/b.ts', mounts)).toBe('/home/me/shop/app/a/b.ts')
  })
  it('matches CommonJS paths and ESM file URLs', () => {
    const re = new RegExp(scriptUrlRegex('/src/a b.js'))
    expect(re.test('/src/a b.js')).toBe(true)
    expect(re.test('file:///src/a%20b.js')).toBe(true)
    expect(re.test('/src/a b.jsx')).toBe(false)
  })
})

describe('SourceMapIndex', () => {
  // Generated: line 0 "use strict"; line 1 from original line 2; line 2 from original line 5.
  const map = {version: 3, sources: ['../src/a.ts'], mappings: ';AAEA,IAAA;AAGA', names: []}
  it('finds the generated position of an original line, and back', () => {
    const idx = new SourceMapIndex(map, 'file:///app/dist/a.js.map')
    expect(idx.sources).toEqual(['/app/src/a.ts'])
    expect(idx.generatedFor(0, 2)).toEqual({line: 1, column: 0})
    expect(idx.generatedFor(0, 3)).toEqual({line: 2, column: 0}) // no code on 3 and 4: the next line with code
    expect(idx.originalFor({line: 2, column: 4})).toEqual({source: '/app/src/a.ts', line: 5, column: 0})
  })
})

describe('status warnings', () => {
  it('flags a container publishing the inspector port on a non-loopback address, and only that', async () => {
    const {stackWarnings} = await import('../../src/app/status.js')
    const container = (ports: Array<{IP: string; PrivatePort: number; PublicPort: number}>) =>
      ({Id: 'x', Names: ['/s-web-1'], Labels: {'dev.berth.service': 'web'}, Ports: ports.map((p) => ({...p, Type: 'tcp'}))}) as never
    expect(stackWarnings([container([{IP: '127.0.0.1', PrivatePort: 9229, PublicPort: 9300}, {IP: '0.0.0.0', PrivatePort: 8000, PublicPort: 8000}])])).toEqual([])
    const warnings = stackWarnings([container([{IP: '0.0.0.0', PrivatePort: 9229, PublicPort: 9229}, {IP: '::', PrivatePort: 9229, PublicPort: 9229}])])
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatch(/web: Node inspector port 9229 is published on 0\.0\.0\.0:9229/)
  })
})
