/**
 * The composition root: the real adapters, built once per command and handed to the use cases as one
 * `Deps` (tests hand in fakes). Nothing here does I/O until a use case calls it.
 */
import os from 'node:os'
import type {Deps, DiagnosticsPort, Reporter} from '../app/ports.js'
import {ComposeCli} from '../docker/compose.js'
import {composeFingerprint, fileVersionMemo} from '../docker/compose-memo.js'
import {Engine} from '../docker/engine.js'
import {SwarmCli} from '../docker/swarm.js'
import {WarmVolumeHelper} from '../docker/volume-helper.js'
import {dockerContexts} from '../docker/contexts.js'
import {processInterrupts, systemClock} from '../infra/clock.js'
import {hostDebugNet} from '../infra/debug-net.js'
import {hostDiagnostics} from '../infra/diagnostics.js'
import {diskFiles} from '../infra/files.js'
import {gitAdapter} from '../infra/git-branches.js'
import {fileLock} from '../infra/lock.js'
import {installation} from '../infra/paths.js'
import {hostPorts} from '../infra/ports.js'
import {fileState} from '../infra/state.js'
import {fileTls} from '../infra/tls.js'
import {chokidarWatcher} from '../infra/watcher.js'
import {terminalPrompt} from './prompt.js'
import {silentReporter} from './reporter.js'
import {checkSetting} from '../core/settings.js'

/** The Compose CLI, with the version it answered remembered between runs (under a fingerprint of its files). */
export function realCompose(env: NodeJS.ProcessEnv = process.env): ComposeCli {
  const docker = checkSetting('BERTH_DOCKER_CLI', env.BERTH_DOCKER_CLI) ?? 'docker'
  return new ComposeCli(docker, env, {store: fileVersionMemo(env), fingerprint: () => composeFingerprint(docker, env)})
}

export function realDeps(reporter: Reporter = silentReporter, env: NodeJS.ProcessEnv = process.env): Deps {
  const engine = new Engine(undefined, env)
  const cli = checkSetting('BERTH_DOCKER_CLI', env.BERTH_DOCKER_CLI) ?? 'docker'
  const install = installation(env)
  return {
    engine,
    compose: realCompose(env),
    git: gitAdapter(env),
    state: fileState(env),
    lock: fileLock({timeoutSeconds: Number(checkSetting('BERTH_LOCK_TIMEOUT', env.BERTH_LOCK_TIMEOUT) ?? 120)}),
    files: diskFiles(env),
    install,
    hostPorts,
    clock: systemClock,
    interrupts: processInterrupts,
    reporter,
    prompt: terminalPrompt,
    watcher: chokidarWatcher,
    debug: hostDebugNet,
    swarm: new SwarmCli(() => engine.docker(), cli, env),
    contexts: dockerContexts(cli, env),
    tls: fileTls(env),
    env,
    machine: {platform: process.platform, hostname: os.hostname(), release: os.release()},
    volumeHelper: new WarmVolumeHelper(() => engine.docker(), install, env),
  }
}

/** berth doctor's extra look at this machine (not part of Deps: no other command needs it). */
export function realDiagnostics(env: NodeJS.ProcessEnv = process.env): DiagnosticsPort {
  return hostDiagnostics(env)
}
