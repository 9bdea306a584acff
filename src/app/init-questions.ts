/**
 * berth init's answers: the questions asked on a terminal (through the Prompt port), or what was detected and
 * what the flags say (--yes). A flag answers its question: it is not asked.
 */
import {BerthError, ExitCode} from '../core/errors.js'
import {SERVICE_KINDS, type Detection, type ServiceKind} from '../core/init/detect.js'
import type {InitChoices} from '../core/init/stack-file.js'
import type {Prompt} from './ports.js'

/** What the command line said. */
export interface InitFlags {
  name?: string
  port?: number
  /** Service kinds; ['none'] for none. */
  services?: string[]
  shared: string[]
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/

/** A project name from package.json's name or the folder's: lowercase, `@scope/` dropped. */
export function defaultName(d: Detection, folder: string): string {
  for (const raw of [d.name?.replace(/^@[^/]+\//, ''), folder]) {
    const slug = (raw ?? '').toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+|-+$/g, '').slice(0, 63)
    if (NAME.test(slug)) return slug
  }
  return 'app'
}

export function checkName(name: string): string {
  if (!NAME.test(name)) {
    throw new BerthError(`--name "${name}" is not a project name: lowercase letters, digits, - and _, starting with a letter or digit`, {exitCode: ExitCode.USAGE, hints: ['berth init --name my-app']})
  }
  return name
}

export function serviceKinds(given: string[] | undefined, d: Detection): ServiceKind[] {
  if (!given) return d.services.map((s) => s.kind)
  if (given.includes('none')) return []
  return SERVICE_KINDS.filter((k) => given.includes(k))
}

/** --yes: what was detected, where the flags say nothing. */
export function choicesFromFlags(d: Detection, flags: InitFlags, folder: string): InitChoices {
  return {
    name: flags.name ? checkName(flags.name) : defaultName(d, folder),
    port: flags.port ?? d.port?.value,
    command: d.commands[0]?.command,
    services: serviceKinds(flags.services, d),
    shared: flags.shared,
  }
}

function nobody(): never {
  throw new BerthError('nobody answered berth init\'s questions (no terminal)', {exitCode: ExitCode.USAGE, hints: ['berth init --yes (with --name, --port, --service) uses what it detected.']})
}

async function answer<T>(question: Promise<T | undefined>): Promise<T> {
  const value = await question
  return value === undefined ? nobody() : value
}

/** On a terminal: the name, the command, the port, the services, the Dockerfile stage. */
export async function askChoices(d: Detection, flags: InitFlags, folder: string, prompt: Prompt): Promise<InitChoices> {
  const name = flags.name
    ? checkName(flags.name)
    : await answer(prompt.input('Project name', {default: defaultName(d, folder), validate: (v) => NAME.test(v) || 'lowercase letters, digits, - and _'}))
  let command = d.commands[0]?.command
  if (d.commands.length > 1) {
    command = await answer(prompt.select('How does the app start in dev?', d.commands.map((c) => ({name: c.command.join(' '), value: c.command, description: `from ${c.from}`})), command))
  }
  let port = flags.port
  if (port === undefined) {
    const text = await answer(
      prompt.input(`Port the app listens on${d.port ? ` (seen in ${d.port.from})` : ''}; empty: none`, {
        default: d.port ? String(d.port.value) : '',
        validate: (v) => v.trim() === '' || (/^\d{1,5}$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 65535) || 'a port from 1 to 65535, or empty',
      }),
    )
    port = text.trim() === '' ? undefined : Number(text)
  }
  const detected = new Set(d.services.map((s) => s.kind))
  const services = flags.services
    ? serviceKinds(flags.services, d)
    : await answer(
        prompt.checkbox(
          'Services the app talks to',
          SERVICE_KINDS.map((kind) => {
            const seen = d.services.find((s) => s.kind === kind)
            return {name: kind, value: kind, checked: detected.has(kind), description: seen ? `the app uses ${seen.packages.join(', ')}` : undefined}
          }),
        ),
      )
  let target: string | undefined
  const stages = d.dockerfile?.stages ?? []
  if (stages.length > 1) {
    target = await answer(prompt.select('Dockerfile stage to build for qa and stage', stages.map((s) => ({name: s, value: s})), stages[stages.length - 1]))
  }
  return {name, port, command, services, target, shared: flags.shared}
}
