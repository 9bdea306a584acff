/** The real adapters, wired for commands (tests hand in their own). */
import type {StackDeps} from '../app/up.js'
import {ComposeCli} from '../docker/compose.js'
import {Engine} from '../docker/engine.js'
import {composeFingerprint, fileVersionMemo} from '../infra/compose-memo.js'
import {canBind, describeListener} from '../infra/ports.js'
import type {Reporter} from './reporter.js'

/** The Compose CLI, with the version it answered remembered between runs (under a fingerprint of its files). */
export function realCompose(env: NodeJS.ProcessEnv = process.env): ComposeCli {
  const docker = env.BERTH_DOCKER_CLI || 'docker'
  return new ComposeCli(docker, env, {store: fileVersionMemo(env), fingerprint: () => composeFingerprint(docker, env)})
}

export function realDeps(reporter: Reporter): StackDeps {
  return {engine: new Engine(), compose: realCompose(), reporter, ports: {canBind, describeListener}}
}
