/** Use cases that hand the terminal to docker compose: logs and exec on the current branch's stack. */
import {BerthError, ExitCode} from '../core/errors.js'
import {renderProject} from './render.js'
import type {Project} from './project.js'
import type {ComposeCli} from '../docker/compose.js'

function stackOf(project: Project, env: string) {
  const {result} = renderProject(project, env)
  return result
}

function knownService(project: Project, env: string, service: string): void {
  const result = stackOf(project, env)
  const names = result.services.map((s) => s.name)
  if (!names.includes(service)) {
    throw new BerthError(`no service "${service}" in ${env}`, {exitCode: ExitCode.USAGE, hints: [`Services: ${names.join(', ')}`]})
  }
}

export async function logs(project: Project, compose: ComposeCli, options: {env: string; services: string[]; follow?: boolean; tail?: string; timestamps?: boolean}): Promise<number> {
  for (const s of options.services) knownService(project, options.env, s)
  const result = stackOf(project, options.env)
  const args = ['logs', '--no-color']
  if (options.follow) args.push('--follow')
  if (options.tail) args.push('--tail', options.tail)
  if (options.timestamps) args.push('--timestamps')
  return compose.passthrough({project: result.project}, [...args, ...options.services])
}

export async function exec(project: Project, compose: ComposeCli, options: {env: string; service: string; command: string[]; user?: string; tty: boolean}): Promise<number> {
  knownService(project, options.env, options.service)
  const result = stackOf(project, options.env)
  const args = ['exec']
  if (!options.tty) args.push('-T')
  if (options.user) args.push('--user', options.user)
  const command = options.command.length ? options.command : ['sh']
  return compose.passthrough({project: result.project}, [...args, options.service, ...command])
}
