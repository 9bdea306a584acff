/**
 * The base of every berth command: global flags, and errors turned into one actionable message
 * with a documented exit code. Stack traces only with --debug or BERTH_DEBUG=1.
 */
import {Command, Flags, Interfaces} from '@oclif/core'
import {isBerthError, ExitCode} from '../core/errors.js'
import {checkSettings} from '../core/settings.js'
import type {Deps} from '../app/ports.js'
import type {Project} from '../app/project.js'
import {trace} from '../infra/trace.js'
import {colours, stderrReporter, type Reporter} from './reporter.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>

export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    dir: Flags.directory({
      char: 'C',
      summary: 'Folder with berth.yml (default: the nearest one from the current folder upwards).',
      helpGroup: 'GLOBAL',
    }),
    debug: Flags.boolean({summary: 'Print stack traces and the commands berth runs.', helpGroup: 'GLOBAL', default: false}),
    'no-color': Flags.boolean({summary: 'No colours in the output of berth and of Compose (as NO_COLOR=1 does).', helpGroup: 'GLOBAL', default: false}),
    context: Flags.string({
      summary: 'The docker context of the engine to use (as docker --context; default: DOCKER_CONTEXT, DOCKER_HOST, the current context).',
      helpGroup: 'GLOBAL',
    }),
  }

  protected debugMode = process.env.BERTH_DEBUG === '1'

  override async init(): Promise<void> {
    await super.init()
    trace(`berth ${this.id?.replaceAll(':', ' ') ?? ''} ${JSON.stringify(this.argv)} in ${process.cwd()}`, {fileOnly: true})
    if (!process.listeners('SIGINT').includes(onInterrupt)) process.on('SIGINT', onInterrupt)
    // Every BERTH_* variable berth could misread is checked before anything happens.
    checkSettings(process.env)
  }

  protected reporter(quiet = false): Reporter {
    return stderrReporter({quiet})
  }

  /** The real adapters for this command (the composition root, src/cli/deps.ts). */
  protected async deps(reporter: Reporter = this.reporter()): Promise<Deps> {
    const {realDeps} = await import('./deps.js')
    return realDeps(reporter)
  }

  /** The project of --dir (or the nearest berth.yml upwards), loaded and validated. */
  protected async project(dir: string | undefined, deps: Deps): Promise<Project> {
    const {loadProject} = await import('../app/project.js')
    return loadProject({cwd: process.cwd(), dir}, deps)
  }

  protected async parseWithBase(command: T): Promise<{flags: BaseFlags<T>; args: Interfaces.InferredArgs<T['args']>; argv: unknown[]}> {
    const parsed = await this.parse(command as unknown as typeof Command)
    const context = (parsed.flags as {context?: string}).context
    // The engine client and every docker/Compose child follow DOCKER_CONTEXT (src/docker/context.ts); DOCKER_HOST would win over it.
    if (context) {
      process.env.DOCKER_CONTEXT = context
      delete process.env.DOCKER_HOST
    }
    if ((parsed.flags as {debug?: boolean}).debug) {
      this.debugMode = true
      process.env.BERTH_DEBUG = '1'
    }
    // berth's colours and Compose's (--ansi never) both follow NO_COLOR (https://no-color.org).
    if ((parsed.flags as {'no-color'?: boolean})['no-color']) process.env.NO_COLOR = '1'
    return parsed as unknown as {flags: BaseFlags<T>; args: Interfaces.InferredArgs<T['args']>; argv: unknown[]}
  }

  protected printJson(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
  }

  protected override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    // A bad command line (unknown flag, missing argument, a value not allowed): one line and where the help is,
    // rather than oclif's whole usage text.
    if (((error as {parse?: unknown}).parse && error.oclif) || /^(Parsing --|Flag --\S+ expects )/.test(error.message ?? '')) {
      const c = colours(process.stderr)
      process.stderr.write(`${c.red('berth: error:')} ${usageMessage(error.message)}\n  ${c.dim('Try this:')} ${this.config.bin} ${this.id?.replaceAll(':', ' ') ?? ''} --help\n`)
      return this.exit(ExitCode.USAGE)
    }
    // oclif's other errors (this.exit) keep oclif's handling.
    if (error.oclif) return super.catch(error)
    const c = colours(process.stderr)
    const lines: string[] = []
    if (isBerthError(error)) {
      lines.push(`${c.red('berth: error:')} ${error.message}`)
      for (const hint of error.hints) lines.push(`  ${c.dim('Try this:')} ${hint}`)
    } else {
      lines.push(`${c.red('berth: error:')} ${error.message || String(error)}`)
      if (!this.debugMode) lines.push(`  ${c.dim('Try this:')} run again with --debug (or BERTH_DEBUG=1) for details; this may be a bug in berth.`)
    }
    if (this.debugMode) {
      lines.push(c.dim(error.stack ?? ''))
      let cause = (error as {cause?: unknown}).cause
      while (cause) {
        lines.push(c.dim(`caused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`))
        cause = cause instanceof Error ? (cause as {cause?: unknown}).cause : undefined
      }
    }
    process.stderr.write(`${lines.join('\n')}\n`)
    const code = isBerthError(error) ? error.exitCode : ExitCode.FAILURE
    return this.exit(code)
  }
}

/**
 * Ctrl-C: a use case that started something it must undo or record (a copy, a Compose run, a bridge)
 * listens itself and ends with an INTERRUPTED error (exit 130) once it has; anywhere else berth stops
 * at once with exit 130 (the project lock is released on exit).
 */
function onInterrupt(): void {
  if (process.listenerCount('SIGINT') > 1) return
  process.stderr.write('berth: interrupted\n')
  process.exit(130)
}

/** oclif's parse error text ("Missing 1 required arg:\nto  Branch to copy to.\nSee more help with --help") on one line. */
export function usageMessage(message: string): string {
  const lines = message
    .split('\n')
    .map((l) => l.trim().replace(/^(\S+)\s{2,}(.+)$/, '$1 ($2)').replace(/\s+/g, ' '))
    .filter((l) => l && !/^See more help with --help$/.test(l))
  if (lines.length === 0) return 'bad command line'
  const [head, ...rest] = lines
  const first = head.replace(/^Parsing (--\S+)$/, '$1')
  return rest.length ? `${first.replace(/:$/, '')}: ${rest.join('; ')}` : first
}
