/**
 * The Docker Compose v2 CLI: lifecycle goes through it (never re-implemented), always with argv
 * arrays. v2 is detected once; a missing CLI or a Compose v1-only machine gets a clear error.
 */
import {spawn} from 'node:child_process'
import type {ComposePort, ComposeTarget, RunOptions, RunResult} from '../app/ports.js'
import {ansiStripper} from '../core/ansi.js'
import {BerthError, ExitCode} from '../core/errors.js'
import {trace} from '../infra/trace.js'

export type {ComposeTarget, RunOptions, RunResult} from '../app/ports.js'

const TAIL = 40

function tail(text: string, lines = TAIL): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n')
}

/** Run a program with an argv array. SIGINT while it runs: the child is stopped, then INTERRUPTED. */
export function runProcess(file: string, args: string[], options: RunOptions & {env?: NodeJS.ProcessEnv} = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    trace(`run ${JSON.stringify([file, ...args])}`)
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: options.inherit ? 'inherit' : [options.input === undefined ? 'ignore' : 'pipe', 'pipe', options.inheritStderr ? 'inherit' : 'pipe'],
    })
    if (options.input !== undefined) child.stdin?.end(options.input)
    let stdout = ''
    let stderr = ''
    let interrupted = false
    const onSigint = () => {
      interrupted = true
      // On a terminal the child got the same SIGINT; otherwise pass it on.
      if (!process.stdin.isTTY) child.kill('SIGINT')
    }
    process.on('SIGINT', onSigint)
    const onAbort = () => child.kill('SIGTERM')
    if (options.signal?.aborted) onAbort()
    else options.signal?.addEventListener('abort', onAbort, {once: true})
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8')
      options.onStdout?.(chunk)
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8')
      if (stderr.length > 1_000_000) stderr = stderr.slice(-200_000)
      options.onStderr?.(chunk)
    })
    child.on('error', (error: NodeJS.ErrnoException) => {
      process.off('SIGINT', onSigint)
      options.signal?.removeEventListener('abort', onAbort)
      reject(error)
    })
    child.on('close', (code, signal) => {
      process.off('SIGINT', onSigint)
      options.signal?.removeEventListener('abort', onAbort)
      trace(`exit ${code ?? signal}: ${file} ${args[0] ?? ''} ${args.slice(1).find((a) => !a.startsWith('-')) ?? ''}`)
      if (interrupted) {
        reject(new BerthError('interrupted', {exitCode: ExitCode.INTERRUPTED}))
        return
      }
      resolve({code: code ?? (signal ? 128 : 1), stdout, stderr})
    })
  })
}

/** Where a detected Compose version is remembered between runs, under a fingerprint of the CLI's files. */
export interface VersionMemo {
  get(fingerprint: string): string | undefined
  set(fingerprint: string, version: string): void
}

export class ComposeCli implements ComposePort {
  private versionPromise?: Promise<string>

  constructor(
    readonly docker: string = process.env.BERTH_DOCKER_CLI || 'docker',
    private readonly env: NodeJS.ProcessEnv = process.env,
    /** A remembered answer, and what it depends on (infra/compose-memo.ts); none: ask every time. */
    private readonly memo?: {store: VersionMemo; fingerprint: () => string | undefined},
  ) {}

  /** The Compose v2 version ("2.26.1"); throws a BerthError (DOCKER) when only v1 or nothing is there. */
  version(): Promise<string> {
    this.versionPromise ??= this.remembered()
    return this.versionPromise
  }

  private async remembered(): Promise<string> {
    const fingerprint = this.memo?.fingerprint()
    const known = fingerprint ? this.memo!.store.get(fingerprint) : undefined
    if (known) return known
    const version = await this.detect()
    if (fingerprint) this.memo!.store.set(fingerprint, version)
    return version
  }

  private async detect(): Promise<string> {
    let result: RunResult
    try {
      result = await runProcess(this.docker, ['compose', 'version', '--short'], {env: this.env})
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new BerthError(`the docker CLI was not found (looked for "${this.docker}" on PATH)`, {
          exitCode: ExitCode.DOCKER,
          hints: ['Install Docker Engine and its CLI with the Compose v2 plugin (https://docs.docker.com/engine/install/).'],
          cause: error,
        })
      }
      throw error
    }
    const version = result.stdout.trim().replace(/^v/, '')
    if (result.code === 0 && /^2\./.test(version)) return version
    if (result.code === 0 && /^[3-9]\./.test(version)) return version
    let v1 = ''
    try {
      const legacy = await runProcess('docker-compose', ['version', '--short'], {env: this.env})
      if (legacy.code === 0) v1 = legacy.stdout.trim()
    } catch {
      // no docker-compose either
    }
    const found = v1 ? `only Compose v1 (docker-compose ${v1}) is installed` : 'the docker CLI has no compose command'
    throw new BerthError(`berth needs Docker Compose v2, but ${found}`, {
      exitCode: ExitCode.DOCKER,
      hints: [
        'Install the Compose v2 plugin: the docker-compose-plugin package (Docker\'s apt/yum repositories), or Docker Desktop.',
        'Check with: docker compose version',
      ],
    })
  }

  private base(target: ComposeTarget, options: RunOptions & {plain?: boolean} = {}): string[] {
    const args = ['compose', '-p', target.project]
    // NO_COLOR (or --no-color, which sets it) and output for a pipe: no colours or terminal codes from Compose either.
    if (this.env.NO_COLOR || options.plain) args.push('--ansi', 'never')
    if (options.progress) args.push('--progress', options.progress)
    if (target.file) args.push('-f', target.file)
    if (target.projectDir) args.push('--project-directory', target.projectDir)
    return args
  }

  /** Run `docker compose ...` for a project; a non-zero exit becomes a BerthError (COMPOSE) with compose's own words. */
  async run(target: ComposeTarget, args: string[], options: RunOptions = {}): Promise<RunResult> {
    await this.version()
    const result = await runProcess(this.docker, [...this.base(target, options), ...args], {...options, env: this.env})
    if (result.code !== 0) {
      const said = options.inheritStderr ? '' : tail(stripProgress(result.stderr) || result.stdout, 12)
      const where = said ? `:\n${indent(said)}` : options.inheritStderr ? ' (its output is above)' : ''
      throw new BerthError(`docker compose ${args[0]} failed (exit ${result.code})${where}`, {
        exitCode: ExitCode.COMPOSE,
        hints: composeHints(result.stderr),
      })
    }
    return result
  }

  /**
   * Like run, but the child owns the terminal and its exit code is returned as is. `plain`: its output goes
   * to a pipe or a file, so it is passed on without terminal control codes (Compose writes some regardless).
   */
  async passthrough(target: ComposeTarget, args: string[], options: {plain?: boolean} = {}): Promise<number> {
    await this.version()
    const argv = [...this.base(target, options), ...args]
    if (options.plain) return streamPlain(this.docker, argv, this.env)
    const result = await runProcess(this.docker, argv, {inherit: true, env: this.env})
    return result.code
  }
}

/** Run a program with its stdout and stderr passed on as they come, without terminal control codes; its exit code. */
function streamPlain(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    trace(`run ${JSON.stringify([file, ...args])}`)
    const child = spawn(file, args, {env, stdio: ['inherit', 'pipe', 'pipe']})
    const pass = (from: NodeJS.ReadableStream | null, to: NodeJS.WriteStream) => {
      const strip = ansiStripper()
      from?.setEncoding('utf8')
      from?.on('data', (chunk: string) => {
        const text = strip.write(chunk)
        if (text && !to.write(text)) {
          from.pause()
          to.once('drain', () => from.resume())
        }
      })
      from?.on('end', () => to.write(strip.end()))
    }
    pass(child.stdout, process.stdout)
    pass(child.stderr, process.stderr)
    // A reader that went away (| head): stop the child rather than fail on EPIPE.
    process.stdout.on('error', () => child.kill('SIGTERM'))
    // Ctrl-C reaches the child too (same process group); its exit code says so.
    const onSigint = () => undefined
    process.on('SIGINT', onSigint)
    child.on('error', (error) => {
      process.off('SIGINT', onSigint)
      reject(error)
    })
    child.on('close', (code, signal) => {
      process.off('SIGINT', onSigint)
      resolve(code ?? (signal ? 128 : 1))
    })
  })
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')
}

/** Compose's plain progress lines (" Container x  Started") say little in an error; keep the rest. */
export function stripProgress(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.trim() && !/^\s*(Container|Network|Volume|Image)\s.+\s(Creating|Created|Starting|Started|Waiting|Healthy|Running|Stopping|Stopped|Removing|Removed|Recreate|Recreated|Exited|Building|Built|Pulling|Pulled)\s*$/.test(l))
  return lines.join('\n')
}

/** What to do next, from what compose said. */
export function composeHints(stderr: string): string[] {
  if (/pull access denied|registry-1\.docker\.io|no such host|manifest unknown|failed to resolve source metadata|error pulling image/i.test(stderr)) {
    return [
      'An image could not be pulled. Without a reachable registry, map images to ones you have: BERTH_IMAGE_MAP="node:20-bookworm-slim=local/node:20,postgres:15=local/postgres:15" or images: in ~/.config/berth/config.yml; for a private registry set BERTH_REGISTRY.',
    ]
  }
  if (/unhealthy|dependency failed to start|did not complete successfully/i.test(stderr)) {
    return ['A service did not become healthy: see why with berth logs SERVICE --tail 50 (and berth status).']
  }
  if (/port is already allocated|address already in use/i.test(stderr)) {
    return ['A port was taken between the check and the start: run berth status, free the port, and try again.']
  }
  return ['See the logs: berth logs --tail 50; rerun with --debug to see the exact docker compose command.']
}
