// The layers' rule (README "Developing berth"): src/app imports only src/core and the ports (src/app/ports.ts and
// src/app/ports/*.ts); the ports import only src/core; src/core imports nothing of berth outside itself. The
// precompiled schema validator (src/generated, pure code made by npm run build) counts as core.
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ROOT} from './helpers.js'

const SRC = path.join(ROOT, 'src')

function tsFiles(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) =>
    e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  )
}

/** Each relative import (and re-export) of a file, as a path under src/ ("core/render.ts"). */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s+'(\.[^']+)'/g), ...text.matchAll(/\bimport\(\s*'(\.[^']+)'\s*\)/g)].map((m) => m[1])
  return specs.map((s) => path.relative(SRC, path.resolve(path.dirname(file), s)).replace(/\.js$/, '.ts'))
}

function offenders(dir: string, allowed: (target: string) => boolean): string[] {
  return tsFiles(path.join(SRC, dir)).flatMap((f) => relativeImports(f).filter((t) => !allowed(t)).map((t) => `${path.relative(SRC, f)} -> ${t}`))
}

const isPort = (t: string) => t === 'app/ports.ts' || t.startsWith('app/ports/')

describe('layers', () => {
  it('finds imports (the check can fail)', () => {
    expect(relativeImports(path.join(SRC, 'app/ports.ts'))).toContain('app/ports/engine.ts')
  })

  it('src/app imports only src/core, the ports and itself', () => {
    expect(offenders('app', (t) => t.startsWith('core/') || t.startsWith('generated/') || t.startsWith('app/'))).toEqual([])
  })

  it('the ports import only src/core and each other', () => {
    const ports = tsFiles(path.join(SRC, 'app')).filter((f) => isPort(path.relative(SRC, f)))
    const bad = ports.flatMap((f) => relativeImports(f).filter((t) => !t.startsWith('core/') && !isPort(t)).map((t) => `${path.relative(SRC, f)} -> ${t}`))
    expect(ports.length).toBeGreaterThan(1)
    expect(bad).toEqual([])
  })

  it('src/core imports only src/core', () => {
    expect(offenders('core', (t) => t.startsWith('core/') || t.startsWith('generated/'))).toEqual([])
  })
})
