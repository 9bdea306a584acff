// Docker calls a paused container unhealthy, and still does right after it is resumed, until its next
// probe: settleHealth waits for that probe (Compose would fail on the dependency otherwise), no longer.
import {describe, expect, it} from 'vitest'
import {settleHealth} from '../../src/app/health.js'

const clock = {now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms))}

const SECOND = 1e9 // Docker's durations are in nanoseconds

/** A fake engine whose container reports the given health statuses, one per inspect, the last one forever. */
function engineReporting(statuses: string[], healthcheck: object | null = {Test: ['CMD', 'true'], Interval: 0.2 * SECOND, Timeout: 0.1 * SECOND}) {
  let calls = 0
  return {
    get calls() {
      return calls
    },
    inspectContainer: async () => {
      const status = statuses[Math.min(calls++, statuses.length - 1)]
      return {Config: {Healthcheck: healthcheck ?? undefined}, State: {Running: true, Health: {Status: status}}} as never
    },
  }
}

describe('settleHealth', () => {
  it('waits until Docker no longer says unhealthy', async () => {
    const engine = engineReporting(['unhealthy', 'unhealthy', 'unhealthy', 'healthy'])
    await settleHealth({engine: engine, clock}, ['db'], 5)
    expect(engine.calls).toBe(4)
  })

  it('gives up after one probe interval plus timeout when the container stays unhealthy', async () => {
    const engine = engineReporting(['unhealthy'])
    const t = Date.now()
    await settleHealth({engine: engine, clock}, ['db'], 20)
    const waited = Date.now() - t
    expect(waited).toBeGreaterThanOrEqual(1300) // 0.2 s + 0.1 s + 1 s
    expect(waited).toBeLessThan(5000)
  })

  it('does not wait for a healthy container or one without a healthcheck', async () => {
    const healthy = engineReporting(['healthy'])
    await settleHealth({engine: healthy, clock}, ['db'])
    expect(healthy.calls).toBe(1)
    const none = engineReporting(['unhealthy'], null)
    await settleHealth({engine: none, clock}, ['web'])
    expect(none.calls).toBe(1)
  })
})
