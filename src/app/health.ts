/**
 * Health after a resume: Docker calls a paused container unhealthy and probes it again only at its next
 * interval, so berth runs the container's own health check itself (waitHealthy) or waits for Docker's next
 * verdict before Compose looks (settleHealth).
 */
import {BerthError, ExitCode} from '../core/errors.js'
import type {Deps, EnginePort} from './ports.js'

const COMPOSE_PROJECT = 'com.docker.compose.project'

/** A health check's interval or timeout in ms: Docker gives them in nanoseconds, and 0 or none means its default, 30 s. */
function healthMs(ns: number | undefined): number {
  return ns && ns > 0 ? ns / 1e6 : 30_000
}

/** The argv of a container's own health check (CMD or CMD-SHELL), or undefined when it has none. */
export function healthArgv(test: string[] | undefined): string[] | undefined {
  if (!test || test.length === 0) return undefined
  if (test[0] === 'CMD') return test.slice(1)
  if (test[0] === 'CMD-SHELL') return ['/bin/sh', '-c', test.slice(1).join(' ')]
  return undefined // NONE
}

/**
 * Wait until every running container of a resumed stack is healthy, as `up --wait` does. Docker marks a
 * paused container unhealthy and probes it again only at its next interval (2 s and more), so berth runs
 * the container's own health check command at once, and again until it passes; Docker's own verdict
 * counts too. Returns the services found healthy this way.
 */
export async function waitHealthy(deps: Pick<Deps, 'engine' | 'clock'>, stack: string, timeoutSeconds = 300): Promise<Set<string>> {
  const {engine, clock} = deps
  const until = clock.now() + timeoutSeconds * 1000
  const containers = (await engine.containers({[COMPOSE_PROJECT]: stack}, false)).filter((c) => c.State === 'running')
  const checked = new Set<string>()
  await Promise.all(
    containers.map(async (c) => {
      const service = c.Labels?.['com.docker.compose.service'] ?? c.Id.slice(0, 12)
      const healthcheck = (await engine.inspectContainer(c.Id)).Config?.Healthcheck
      const argv = healthArgv(healthcheck?.Test)
      if (!argv) return
      // A probe gets the check's own timeout, as Docker gives it.
      const probeTimeout = healthMs(healthcheck?.Timeout)
      for (;;) {
        const probe = await engine.execCapture(c.Id, argv, probeTimeout).catch(() => ({code: -1}))
        if (probe.code === 0) break
        const info = await engine.inspectContainer(c.Id)
        if (info.State?.Health?.Status === 'healthy') break
        if (!info.State?.Running || clock.now() > until) {
          throw new BerthError(`${stack}: ${service} is not healthy ${info.State?.Running ? `within ${timeoutSeconds} s ` : ''}after resuming`, {
            exitCode: ExitCode.COMPOSE,
            hints: [`See why: berth logs ${service}`, 'Or bring it up afresh: berth up'],
          })
        }
        await clock.sleep(200)
      }
      checked.add(service)
    }),
  )
  return checked
}

/**
 * Docker reports a container "unhealthy" the moment it is paused, and keeps saying so after it is
 * resumed until its next probe (one interval later). `docker compose up` fails at once on a dependency
 * it sees unhealthy, so before Compose runs on resumed containers, wait for Docker's own verdict: until
 * each one is no longer unhealthy, for at most its probe interval plus its timeout (and a second). A
 * container still unhealthy then really is, and Compose reports it as usual.
 */
export async function settleHealth(deps: {engine: Pick<EnginePort, 'inspectContainer'>; clock: Deps['clock']}, ids: readonly string[], poll = 100): Promise<void> {
  const {engine, clock} = deps
  await Promise.all(
    ids.map(async (id) => {
      const first = await engine.inspectContainer(id).catch(() => undefined)
      const hc = first?.Config?.Healthcheck
      if (!first || !hc?.Test || hc.Test[0] === 'NONE') return
      const until = clock.now() + healthMs(hc.Interval) + healthMs(hc.Timeout) + 1000
      let info: typeof first | undefined = first
      while (info?.State?.Running && info.State.Health?.Status === 'unhealthy' && clock.now() < until) {
        await clock.sleep(poll)
        info = await engine.inspectContainer(id).catch(() => undefined)
      }
    }),
  )
}
