/** Use cases that hand the terminal to docker compose: logs and exec on the current branch's stack. */
import {BerthError, ExitCode} from '../core/errors.js'
import type {Deps} from './ports.js'
import type {Project} from './project.js'
import {renderProject, type RenderDeps} from './render.js'

type PassDeps = RenderDeps & Pick<Deps, 'compose'>

/** The stack of the environment (rendered once), after checking that every named service is in it. */
async function stackWith(project: Project, env: string, services: string[], deps: RenderDeps) {
  const {result} = await renderProject(project, env, deps, {anyEngine: true})
  const names = result.services.map((s) => s.name)
  for (const service of services) {
    if (!names.includes(service)) {
      throw new BerthError(`no service "${service}" in ${env}`, {exitCode: ExitCode.USAGE, hints: [`Services: ${names.join(', ')}`]})
    }
  }
  return result
}

/** --tail's value as Compose takes it: a whole number of lines (0 or more) or "all"; anything else is a usage error. */
export function tailLines(tail: string): string {
  if (tail === 'all' || /^\d+$/.test(tail)) return tail
  throw new BerthError(`--tail ${JSON.stringify(tail)} is not a number of lines: give a whole number (0 or more) or "all"`, {
    exitCode: ExitCode.USAGE,
    hints: ['berth logs web --tail 100', 'berth logs --tail all'],
  })
}

/** berth logs; `plain`: the output is not a terminal (a pipe, a file), so it carries no terminal control codes. */
export async function logs(project: Project, options: {env: string; services: string[]; follow?: boolean; tail?: string; timestamps?: boolean; plain?: boolean}, deps: PassDeps): Promise<number> {
  const tail = options.tail === undefined ? undefined : tailLines(options.tail)
  const result = await stackWith(project, options.env, options.services, deps)
  const args = ['logs', '--no-color']
  if (options.follow) args.push('--follow')
  if (tail !== undefined) args.push('--tail', tail)
  if (options.timestamps) args.push('--timestamps')
  return deps.compose.passthrough({project: result.project}, [...args, ...options.services], {plain: options.plain})
}

export async function exec(project: Project, options: {env: string; service: string; command: string[]; user?: string; tty: boolean}, deps: PassDeps): Promise<number> {
  const result = await stackWith(project, options.env, [options.service], deps)
  const args = ['exec']
  if (!options.tty) args.push('-T')
  if (options.user) args.push('--user', options.user)
  const command = options.command.length ? options.command : ['sh']
  return deps.compose.passthrough({project: result.project}, [...args, options.service, ...command])
}
