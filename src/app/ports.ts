/**
 * What the use cases need from the outside world, and nothing more. `src/app/` imports only `src/core/`
 * and the ports (this file and the rooms it gathers, src/app/ports/*.ts); the adapters in `src/docker/` and
 * `src/infra/` implement them, and one composition root (`src/cli/deps.ts`) builds the real ones per command.
 * Tests hand in fakes.
 */
import type {ComposePort, SwarmPort} from './ports/compose.js'
import type {DebugNetPort} from './ports/debug.js'
import type {ContextsPort, EnginePort, VolumeHelperPort} from './ports/engine.js'
import type {FilesPort, InstallPort, LockPort, StatePort} from './ports/files.js'
import type {GitPort} from './ports/git.js'
import type {Clock, FileWatcherPort, HostPortsPort, InterruptPort, MachineFacts, TlsPort} from './ports/host.js'
import type {Prompt, Reporter} from './ports/people.js'

export type {ProjectState, StackState, VolumeState} from '../core/state.js'
export type * from './ports/compose.js'
export type * from './ports/debug.js'
export type * from './ports/engine.js'
export type * from './ports/files.js'
export type * from './ports/git.js'
export type * from './ports/host.js'
export type * from './ports/people.js'

export interface Deps {
  engine: EnginePort
  compose: ComposePort
  git: GitPort
  state: StatePort
  lock: LockPort
  files: FilesPort
  install: InstallPort
  hostPorts: HostPortsPort
  clock: Clock
  interrupts: InterruptPort
  reporter: Reporter
  prompt: Prompt
  watcher: FileWatcherPort
  debug: DebugNetPort
  swarm: SwarmPort
  contexts: ContextsPort
  tls: TlsPort
  /** The environment berth runs in (variables berth reads: BERTH_*, DOCKER_*). */
  env: NodeJS.ProcessEnv
  machine: MachineFacts
  /** The warm volume helper; absent (tests, BERTH_VOLUME_HELPER=off): one helper container per step. */
  volumeHelper?: VolumeHelperPort
}
