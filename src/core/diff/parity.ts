/**
 * Parity warnings: what makes a prod-mode environment (qa, stage) behave unlike production, or two
 * environments unlike each other. Shown by `berth diff` and `berth up` of a prod-mode environment;
 * `--strict` makes them errors. Each names the service and the key. Pure.
 *
 * Rules:
 *   source-bind      a bind mount of the project's folder (or under it) in a prod-mode environment
 *   dev-variable     a dev-only variable in a prod-mode environment: NODE_ENV=development|dev, DEBUG set
 *                    (not "", 0 or false), NODE_OPTIONS with --inspect or berth's inspector preload,
 *                    CHOKIDAR_USEPOLLING, CHOKIDAR_INTERVAL, WATCHPACK_POLLING
 *   major-version    the same service runs on different major versions of an image in the two
 *                    environments (postgres:15 vs postgres:16; node:20-... vs node:18, a built service's BASE_IMAGE)
 *   public-port      a port published on an address other than loopback (either environment)
 *   missing-service  a service in one environment and not the other (setup helpers aside)
 */
import path from 'node:path'
import {BerthError, ExitCode} from '../errors.js'
import {baseImage, composeServices, publishedPorts, rawEnvironment, rawMounts, serviceRoles, type DiffSide} from './facts.js'

export type ParityRule = 'source-bind' | 'dev-variable' | 'major-version' | 'public-port' | 'missing-service'

export interface ParityWarning {
  rule: ParityRule
  service: string
  /** The key, as in the diff's changes: `mounts./src`, `environment.NODE_ENV`, `image`, `ports.8000`, `service`. */
  key: string
  /** The environments it is about (one, or both for a comparison). */
  envs: string[]
  message: string
}

/** The one line a warning (or, with --strict, the error) is shown as. */
export function warningLine(w: ParityWarning): string {
  return `service "${w.service}", ${w.key}: ${w.message}`
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])

/** Why a variable is dev-only, or undefined. */
export function devOnlyVariable(name: string, value: string): string | undefined {
  const v = value.trim()
  if (name === 'NODE_ENV' && /^(development|dev)$/i.test(v)) return 'NODE_ENV is development'
  if (name === 'DEBUG' && v !== '' && !/^(0|false|no|off)$/i.test(v)) return 'DEBUG turns on debug output'
  if (name === 'NODE_OPTIONS' && /--inspect|inspector\.cjs/.test(v)) return 'NODE_OPTIONS opens the Node inspector'
  if (['CHOKIDAR_USEPOLLING', 'CHOKIDAR_INTERVAL', 'WATCHPACK_POLLING'].includes(name)) return `${name} is for file watching in development`
  return undefined
}

function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p)
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))
}

/** The warnings about one environment alone: prod-mode rules, and ports beyond loopback. */
export function sideWarnings(side: DiffSide): ParityWarning[] {
  const out: ParityWarning[] = []
  const services = composeServices(side.result)
  const envs = [side.env]
  for (const name of serviceRoles(side.result).app) {
    const svc = services[name]
    if (side.mode === 'prod') {
      for (const m of rawMounts(svc)) {
        if (m.type !== 'bind' || !m.source || !inside(side.root, path.resolve(side.root, m.source))) continue
        const shown = path.relative(side.root, path.resolve(side.root, m.source)) || '.'
        out.push({rule: 'source-bind', service: name, key: `mounts.${m.target}`, envs, message: `the source folder ${shown === '.' ? '.' : `./${shown}`} is bind-mounted in ${side.env} (prod mode); build it into the image instead`})
      }
      for (const [k, v] of Object.entries(rawEnvironment(svc))) {
        const why = devOnlyVariable(k, v)
        if (why) out.push({rule: 'dev-variable', service: name, key: `environment.${k}`, envs, message: `a dev-only variable reaches ${side.env} (prod mode): ${why}`})
      }
    }
    for (const p of publishedPorts(side, name)) {
      if (LOOPBACK.has(p.bind)) continue
      out.push({rule: 'public-port', service: name, key: p.role === 'inspector' ? 'inspector' : `ports.${p.container}`, envs, message: `port ${p.host} is published on ${p.bind} in ${side.env}, beyond 127.0.0.1 (other machines can reach it)`})
    }
  }
  return out
}

/** An image's family (last path part, without registry or tag) and major version (leading digits of its tag). */
export function imageMajor(ref: string): {family: string; major: number} | undefined {
  if (ref.includes('$')) return undefined
  const noDigest = ref.split('@')[0]
  const slash = noDigest.lastIndexOf('/')
  const colon = noDigest.lastIndexOf(':')
  if (colon <= slash) return undefined
  const family = noDigest.slice(slash + 1, colon)
  const m = /^v?(\d+)/.exec(noDigest.slice(colon + 1))
  return m ? {family, major: Number(m[1])} : undefined
}

/** The warnings between two environments: services missing from one, and different major versions. */
export function pairWarnings(a: DiffSide, b: DiffSide): ParityWarning[] {
  const out: ParityWarning[] = []
  const appA = serviceRoles(a.result).app
  const appB = serviceRoles(b.result).app
  const envs = [a.env, b.env]
  const where = (s: DiffSide) => (a.env === b.env ? `${s.env} on ${s.branch ?? '(no git)'}` : s.env)
  for (const name of [...new Set([...appA, ...appB])].sort()) {
    const inA = appA.includes(name)
    const inB = appB.includes(name)
    if (!inA || !inB) {
      const [yes, no] = inA ? [a, b] : [b, a]
      out.push({rule: 'missing-service', service: name, key: 'service', envs, message: `present in ${where(yes)}, not in ${where(no)}`})
      continue
    }
    const ia = baseImage(composeServices(a.result)[name])
    const ib = baseImage(composeServices(b.result)[name])
    const ma = ia && imageMajor(ia.image)
    const mb = ib && imageMajor(ib.image)
    if (ia && ib && ma && mb && ma.family === mb.family && ma.major !== mb.major) {
      const key = ia.key === ib.key ? ia.key : `${ia.key}/${ib.key}`
      out.push({rule: 'major-version', service: name, key, envs, message: `${ma.family} ${ma.major} in ${where(a)} (${ia.image}) but ${mb.major} in ${where(b)} (${ib.image})`})
    }
  }
  return out
}

/** Every warning of a comparison: each environment's own, then those between them; duplicates once. */
export function parityWarnings(a: DiffSide, b: DiffSide): ParityWarning[] {
  const all = [...sideWarnings(a), ...(a.env === b.env && a.branch === b.branch ? [] : sideWarnings(b)), ...pairWarnings(a, b)]
  const seen = new Set<string>()
  return all.filter((w) => {
    const id = `${w.rule}\0${w.service}\0${w.key}\0${w.envs.join(',')}`
    if (seen.has(id)) return false
    seen.add(id)
    return true
  })
}

/** --strict: the warnings as one error (exit 3, CONFIG), the first one's line as its message. */
export function strictError(warnings: ParityWarning[]): BerthError {
  const more = warnings.length > 1 ? ` (and ${warnings.length - 1} more parity warning${warnings.length > 2 ? 's' : ''})` : ''
  return new BerthError(`parity: ${warningLine(warnings[0])}${more}`, {
    exitCode: ExitCode.CONFIG,
    hints: ['Fix it in berth.yml (see berth diff dev ENV for every difference), or run without --strict to only warn.'],
  })
}
