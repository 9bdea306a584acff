/** Pausing containers: the cgroup freezer can fail while a process is in the middle of I/O, or under load. */
import type {Deps} from './ports.js'

/** Pause, trying again a few times ("unable to freeze"); a container already paused is fine. */
export async function pauseContainer(deps: Pick<Deps, 'engine' | 'clock'>, id: string, attempts = 6): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.engine.pauseContainer(id)
      return
    } catch (error) {
      if (/is already paused/i.test((error as Error).message ?? '')) return
      if (attempt >= attempts) throw error
      await deps.clock.sleep(200 * attempt)
    }
  }
}
