/**
 * Validating the rendered Compose model before anything changes, and naming the berth.yml line a problem
 * came from. Compose's own check (`docker compose config --quiet`) finds most mistakes in raw `compose:`
 * fragments; a few it lets through (a restart policy the engine refuses at `up`) are checked here.
 */
import {ConfigError, type SourcePos} from './errors.js'
import {hasPath, isPlainObject} from './merge.js'
import type {StackFile} from './model.js'
import type {PathSegment, SourceDoc} from './source.js'

/** What the engine accepts as a restart policy. */
const RESTART = /^(no|always|unless-stopped|on-failure(:\d+)?)$/

export interface ModelProblem {
  /** Where in the Compose model (services.web.restart is ['services', 'web', 'restart']). */
  path: string[]
  message: string
}

/** Problems Compose's check does not catch but `up` would fail on, after it changed things. */
export function modelProblems(model: Record<string, unknown>): ModelProblem[] {
  const out: ModelProblem[] = []
  const services = isPlainObject(model.services) ? model.services : {}
  for (const [name, service] of Object.entries(services)) {
    if (!isPlainObject(service)) continue
    const restart = service.restart
    if (restart !== undefined && (typeof restart !== 'string' || !RESTART.test(restart))) {
      out.push({path: ['services', name, 'restart'], message: `services.${name}.restart must be no, always, unless-stopped or on-failure[:N] (got ${JSON.stringify(restart)})`})
    }
  }
  return out
}

/**
 * Compose's complaint about a file, as a path in the model and one line. It says, for example:
 *   validating /p/.berth/dev.compose.yml: services.web.ports must be a list
 *   validating /p/.berth/dev.compose.yml: services.web Additional property frobnicate is not allowed
 *   error decoding 'services[web].mem_limit': invalid size: 'lots'
 */
export function parseComposeComplaint(stderr: string): ModelProblem | undefined {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  for (const line of lines) {
    const validating = /^validating [^:]+: (.+)$/.exec(line)
    if (validating) {
      const message = validating[1]
      const extra = /^(\S+) Additional property (\S+) is not allowed$/.exec(message)
      if (extra) return {path: [...extra[1].split('.'), extra[2]], message: `${extra[1]}.${extra[2]} is not a Compose key`}
      const path = /^(\S+) /.exec(message)?.[1]
      return {path: path ? path.split('.') : [], message}
    }
    const interpolation = /^invalid interpolation format for (\S+?)\.?$/.exec(line)
    if (interpolation) return {path: interpolation[1].split('.'), message: `${interpolation[1]}: invalid \${...} reference (write a literal $ as $$)`}
    const decoding = /^error decoding '([^']+)': (.+)$/.exec(line)
    if (decoding) {
      const path = decoding[1].replace(/\[([^\]]+)\]/g, '.$1').split('.')
      return {path, message: `${path.join('.')}: ${decoding[2]}`}
    }
  }
  const first = lines.find((l) => !/^(time=|WARN)/.test(l))
  return first ? {path: [], message: first.replace(/^validating [^:]+: /, '')} : undefined
}

/**
 * The berth.yml place a key of the Compose model most likely came from: the raw `compose:` fragments
 * (the environment's, then the file's, then the service's own), then the service's berth keys.
 */
export function originOf(file: StackFile, env: string, path: string[]): PathSegment[] | undefined {
  const candidates: PathSegment[][] = [['environments', env, 'compose', ...path], ['compose', ...path]]
  if (path[0] === 'services' && path[1]) {
    const [, service, ...rest] = path
    candidates.push(['environments', env, 'services', service, 'compose', ...rest], ['services', service, 'compose', ...rest])
    for (let n = rest.length - 1; n >= 0; n--) {
      candidates.push(['environments', env, 'services', service, 'compose', ...rest.slice(0, n)], ['services', service, 'compose', ...rest.slice(0, n)])
    }
    candidates.push(['environments', env, 'services', service], ['services', service])
  } else {
    for (let n = path.length - 1; n >= 1; n--) candidates.push(['environments', env, 'compose', ...path.slice(0, n)], ['compose', ...path.slice(0, n)])
  }
  return candidates.find((c) => hasPath(file, c))
}

/** A problem in the rendered model as a berth.yml error (exit 3) at the line it came from, or at the generated file. */
export function modelError(problem: ModelProblem, stack: {value: StackFile; source: SourceDoc}, env: string, generated: string): ConfigError {
  const origin = problem.path.length ? originOf(stack.value, env, problem.path) : undefined
  const pos: SourcePos | undefined = origin ? stack.source.locateKey(origin) : undefined
  const hint = origin ? `Fix ${origin.join('.')} in ${stack.source.file}` : `The rendered file is ${generated}; a template of your own may have made it`
  return new ConfigError(`${problem.message} (in the Compose file berth renders${pos ? '' : ` at ${generated}`}; nothing was started)`, pos, {
    hints: [hint, 'Check without starting anything: berth render --check'],
  })
}

