// Hand-built rendered environments for the diff and parity tests: only what `berth diff` reads.
import type {DiffSide} from '../../src/core/diff/facts.js'
import type {Mode} from '../../src/core/model.js'
import type {PortBinding, RenderResult} from '../../src/core/render.js'

export interface ModelOptions {
  env?: string
  mode?: Mode
  branch?: string | null
  root?: string
  ports?: PortBinding[]
  volumes?: Record<string, unknown>
  setup?: string[]
}

export function side(services: Record<string, Record<string, unknown>>, o: ModelOptions = {}): DiffSide {
  const env = o.env ?? 'dev'
  const mode = o.mode ?? (env === 'dev' ? 'dev' : 'prod')
  const result = {
    project: `shop-${env}-main-0d6e4079`,
    env: {name: env, mode, port_offset: 0, vars: {}, services: {}},
    compose: {name: `shop-${env}`, services, ...(o.volumes ? {volumes: o.volumes} : {})},
    services: Object.keys(services).map((name) => ({name, template: 'generic', role: o.setup?.includes(name) ? 'setup' : 'app'})),
    volumes: [],
    ports: o.ports ?? [],
    door: {},
  } as unknown as RenderResult
  return {env, mode, branch: o.branch === undefined ? 'main' : o.branch, root: o.root ?? '/repo', result}
}

/** A RenderResult from the real renderer as a side. */
export function fromRender(result: RenderResult, o: {branch?: string | null; root?: string} = {}): DiffSide {
  return {env: result.env.name, mode: result.env.mode, branch: o.branch === undefined ? 'main' : o.branch, root: o.root ?? '/repo', result}
}
