/**
 * Health checks that are seen passing as soon as a service is ready. Docker probes every `interval`
 * (2 s in the node template), the first time one interval after the start: without more, a service is
 * seen healthy no sooner than that. Engines of API 1.44 and later (Docker 25+) know
 * `healthcheck.start_interval`: during `start_period` they probe that often instead. Older engines get
 * the file as it was. Pure: the engine's API version is handed in (StackContext.engineApi).
 */

/** How often an engine that knows start_interval probes during a service's start period. */
export const START_INTERVAL = '250ms'

/** The first engine API version that knows `healthcheck.start_interval` (Docker Engine 25). */
export const START_INTERVAL_API = '1.44'

/** Whether an engine API version ("1.45") is at least `min` ("1.44"); unknown: no. */
export function apiAtLeast(version: string | undefined, min: string): boolean {
  if (!version) return false
  const parse = (v: string) => v.split('.').map((n) => Number.parseInt(n, 10))
  const a = parse(version)
  const b = parse(min)
  if (a.some((n) => !Number.isFinite(n))) return false
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0
    const y = b[i] ?? 0
    if (x !== y) return x > y
  }
  return true
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Whether a healthcheck runs at all (not `disable: true`, not `test: [NONE]`). */
function probes(hc: Record<string, unknown>): boolean {
  if (hc.disable === true) return false
  const test = hc.test
  if (Array.isArray(test) && test[0] === 'NONE') return false
  return test !== undefined
}

/**
 * Add `start_interval` to every healthcheck of a Compose model that has a `start_period` and none of its
 * own, when the engine knows it. The model's objects are not changed: the services touched are copies.
 */
export function withStartInterval(model: Record<string, unknown>, engineApi: string | undefined): Record<string, unknown> {
  if (!apiAtLeast(engineApi, START_INTERVAL_API) || !isObject(model.services)) return model
  const services: Record<string, unknown> = {}
  for (const [name, service] of Object.entries(model.services)) {
    const hc = isObject(service) ? service.healthcheck : undefined
    services[name] = isObject(hc) && probes(hc) && hc.start_period !== undefined && hc.start_interval === undefined ? {...service as object, healthcheck: {...hc, start_interval: START_INTERVAL}} : service
  }
  return {...model, services}
}
