/** The real adapters, wired for commands (tests hand in their own). */
import type {StackDeps} from '../app/up.js'
import {ComposeCli} from '../docker/compose.js'
import {Engine} from '../docker/engine.js'
import {canBind, describeListener} from '../infra/ports.js'
import type {Reporter} from './reporter.js'

export function realDeps(reporter: Reporter): StackDeps {
  return {engine: new Engine(), compose: new ComposeCli(), reporter, ports: {canBind, describeListener}}
}
