/** Use cases that hand the terminal to docker compose: logs and exec on the current branch's stack. */
import {BerthError, ExitCode} from '../core/errors.js'
import {renderProject} from './render.js'
import type {Project} from './project.js'
import type {ComposeCli} from '../docker/compose.js'

/** The stack of the environment (rendered once), after checking that every named service is in it. */
async function stackWith(project: Project, env: string, services: string[]) {
  const {result} = await renderProject(project, env)
  const names = result.services.map((s) => s.name)
  for (const service of services) {
    if (!names.includes(service)) {
      throw new BerthError(`no service "${service}" in ${env}`, {exitCode: ExitCode.USAGE, hints: [`Services: ${names.join(', ')}`]})
    }
  }
  return result
}

export async function logs(project: Project, compose: ComposeCli, options: {env: string; services: string[]; follow?: boolean; tail?: string; timestamps?: boolean}): Promise<number> {
  const result = await stackWith(project, options.env, options.services)
  const args = ['logs', '--no-color']
  if (options.follow) args.push('--follow')
  if (options.tail) args.push('--tail', options.tail)
  if (options.timestamps) args.push('--timestamps')
  return compose.passthrough({project: result.project}, [...args, ...options.services])
}

export async function exec(project: Project, compose: ComposeCli, options: {env: string; service: string; command: string[]; user?: string; tty: boolean}): Promise<number> {
  const result = await stackWith(project, options.env, [options.service])
  const args = ['exec']
  if (!options.tty) args.push('-T')
  if (options.user) args.push('--user', options.user)
  const command = options.command.length ? options.command : ['sh']
  return compose.passthrough({project: result.project}, [...args, options.service, ...command])
}
