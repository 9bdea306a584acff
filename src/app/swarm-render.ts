/**
 * Use case: render an environment for Docker Swarm (berth render --target swarm; berth deploy). The
 * Compose render, then the pure Swarm transformation (src/core/swarm.ts) with the env files read here.
 */
import path from 'node:path'
import {parseEnvFile} from '../core/env-file.js'
import {BerthError, ExitCode} from '../core/errors.js'
import {OUTPUT_DIR} from '../core/naming.js'
import type {RenderResult} from '../core/render.js'
import {stackYamlText} from '../core/swarm-yaml.js'
import {swarmStack, type SwarmStack} from '../core/swarm.js'
import {doorImage} from './door/routing.js'
import type {Project} from './project.js'
import {renderProject, type RenderDeps} from './render.js'

export interface SwarmRendered {
  result: RenderResult
  stack: SwarmStack
  yaml: string
  /** The env files' values (for the deploy: secrets and ${KEY} references); never written. */
  envFiles: Record<string, Record<string, string>>
}

export function defaultStackFile(root: string, env: string): string {
  return path.join(root, OUTPUT_DIR, `${env}.stack.yml`)
}

export async function renderSwarm(project: Project, env: string, deps: RenderDeps): Promise<SwarmRendered> {
  const {result} = await renderProject(project, env, deps)
  const envFiles = readEnvFiles(result, deps)
  const src = project.stack.source
  const stack = swarmStack(result, {
    projectName: project.stack.value.name,
    branch: project.ctx.branch,
    publishMode: project.stack.value.swarm?.publish,
    endpointMode: project.stack.value.swarm?.endpoint_mode,
    ...(project.stack.value.swarm?.publish === 'door' ? {door: {image: doorImage(project, deps.env), script: deps.install.runtimeScript('door.cjs')}} : {}),
    envFiles,
    locate: (service) => (project.stack.value.services[service] ? src.locateKey(['services', service]) : undefined),
  })
  return {result, stack, yaml: stackYamlText(project.file, result.env.name, project.ctx.branch, stack), envFiles}
}

function readEnvFiles(result: RenderResult, deps: RenderDeps): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {}
  for (const [name, service] of Object.entries(result.compose.services as Record<string, Record<string, unknown>>)) {
    const files = Array.isArray(service.env_file) ? (service.env_file as string[]) : typeof service.env_file === 'string' ? [service.env_file] : []
    for (const escaped of files) {
      const file = escaped.replace(/\$\$/g, '$')
      if (file in out) continue
      const text = deps.files.readOptional(file)
      if (text === undefined) {
        throw new BerthError(`service "${name}": its env_file ${file} does not exist`, {exitCode: ExitCode.PREFLIGHT, hints: ['Create the file, or remove env_file: from the service in berth.yml.']})
      }
      out[file] = parseEnvFile(text)
    }
  }
  return out
}
