/** The docker contexts of this machine (`docker context ls`), and an engine client for each one. */
import type {ContextsPort, EnginePort} from '../app/ports.js'
import {runProcess} from './compose.js'
import {Engine} from './engine.js'

export function dockerContexts(cli: string, env: NodeJS.ProcessEnv): ContextsPort {
  return {
    async list() {
      const result = await runProcess(cli, ['context', 'ls', '--format', '{{json .}}'], {env})
      if (result.code !== 0) return [{name: 'default', endpoint: ''}]
      return result.stdout
        .split('\n')
        .filter((l) => l.trim().startsWith('{'))
        .map((l) => JSON.parse(l) as {Name: string; DockerEndpoint?: string})
        .map((c) => ({name: c.Name, endpoint: c.DockerEndpoint ?? ''}))
    },
    engine(name: string): EnginePort {
      const own: NodeJS.ProcessEnv = {...env, DOCKER_CONTEXT: name}
      delete own.DOCKER_HOST
      return new Engine(undefined, own)
    },
  }
}
