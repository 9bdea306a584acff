/**
 * berth's command table and entry point. The build bundles this file (and everything it imports
 * statically) into dist/index.js, so start-up reads one file instead of hundreds; oclif finds the
 * commands here (the "explicit" discovery strategy in package.json).
 */
import {execute} from '@oclif/core'
import Debug from './commands/debug.js'
import Down from './commands/down.js'
import Exec from './commands/exec.js'
import Logs from './commands/logs.js'
import Render from './commands/render.js'
import Status from './commands/status.js'
import Switch from './commands/switch.js'
import Up from './commands/up.js'
import VolumesClone from './commands/volumes/clone.js'
import VolumesLs from './commands/volumes/ls.js'
import VolumesPrune from './commands/volumes/prune.js'
import VolumesRm from './commands/volumes/rm.js'
import Watch from './commands/watch.js'

export const COMMANDS = {
  debug: Debug,
  down: Down,
  exec: Exec,
  logs: Logs,
  render: Render,
  status: Status,
  switch: Switch,
  up: Up,
  'volumes:clone': VolumesClone,
  'volumes:ls': VolumesLs,
  'volumes:prune': VolumesPrune,
  'volumes:rm': VolumesRm,
  watch: Watch,
}

export async function main(dir: string, development = false): Promise<void> {
  await execute({dir, development})
}
