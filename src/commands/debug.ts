import {Args, Flags} from '@oclif/core'
import path from 'node:path'
import type {DebugTarget} from '../app/debug/targets.js'
import type {Deps} from '../app/ports.js'
import {BaseCommand} from '../cli/base.js'

export default class Debug extends BaseCommand<typeof Debug> {
  static override summary = 'Attach a debugger to the Node services of the current branch: URLs, VS Code configurations, breakpoints.'
  static override description = `Finds each Node service's container by its labels and reads its inspector (/json/list) on 127.0.0.1, then prints the ws:// and devtools:// URLs and the chrome://inspect hint.
In dev the inspector is on from the start (port shown by berth status). A service started without it (qa, stage, or an older container) gets it on demand: berth sends SIGUSR1 to its Node process (the inspector then listens on 127.0.0.1 inside the container) and bridges it to a 127.0.0.1 port on the host through docker exec, for as long as berth debug runs.
--break FILE:LINE attaches as a DevTools Protocol client, sets a breakpoint (the host path mapped to the container, TypeScript through source maps), waits until it is hit, prints the location, the call stack and the local variables, then resumes and detaches.
--vscode writes or merges .vscode/launch.json (next to berth.yml) with one attach configuration per Node service and a compound for all of them; other configurations and comments are kept.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> web --json',
    '<%= config.bin %> <%= command.id %> web --break app/server.js:30',
    '<%= config.bin %> <%= command.id %> --vscode',
    '<%= config.bin %> <%= command.id %> web --env qa',
  ]
  static override args = {
    service: Args.string({description: 'A service of the stack (default: every Node service with the inspector).'}),
  }
  static override flags = {
    env: Flags.string({char: 'e', summary: 'Environment of the stack.', default: 'dev'}),
    json: Flags.boolean({summary: 'Print the result as JSON.'}),
    vscode: Flags.boolean({summary: 'Write or merge .vscode/launch.json attach configurations.', exclusive: ['break']}),
    break: Flags.string({summary: 'Set a breakpoint at FILE:LINE, wait until it is hit, print the stack and locals, resume.', helpValue: 'FILE:LINE'}),
    timeout: Flags.integer({summary: 'With --break: give up after this many seconds (default: wait until Ctrl-C).', min: 1}),
    port: Flags.integer({summary: 'Host port (on 127.0.0.1) for an inspector opened on demand (default: a free one).', min: 1, max: 65535}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parseWithBase(Debug)
    const deps = await this.deps(this.reporter(flags.json && !flags.break))
    if (flags.vscode) return this.vscode(args.service, flags, deps)
    // Load the project, the engine client and the CDP code side by side: this is on the path to "armed".
    const [project, , {debugTargets}] = await Promise.all([this.project(flags.dir, deps), deps.engine.ping(), import('../app/debug/targets.js')])
    const {targets, bridges, stack} = await debugTargets(project, {env: flags.env, service: args.service, bridgePort: flags.port}, deps)
    try {
      if (flags.break) {
        await this.breakpoint(args.service, flags.break, targets[targets.length - 1], flags, deps)
        return
      }
      const shown = targets.map(({containerId: _id, mounts: _m, ...t}) => t)
      if (flags.json) this.printJson({stack, targets: shown})
      else process.stdout.write(`${shown.flatMap((t) => [`${t.service}  ${t.title}  (127.0.0.1:${t.port}${t.bridged ? ', bridged by berth' : ''})`, `  ws:        ${t.ws}`, `  devtools:  ${t.devtools}`, `  chrome:    ${t.chrome}`]).join('\n')}\n`)
      if (bridges.length > 0) {
        deps.reporter.info(`The bridge${bridges.length > 1 ? 's stay' : ' stays'} open while berth runs: press Ctrl-C to close.`)
        await new Promise<void>((resolve) => {
          const stop = deps.interrupts.watch(() => {
            stop()
            resolve()
          })
        })
      }
    } finally {
      await Promise.all(bridges.map((b) => b.close()))
    }
  }

  private async vscode(service: string | undefined, flags: {dir?: string; env: string; json?: boolean}, deps: Deps): Promise<void> {
    const [project, {vscodeConfigs, writeVscode}] = await Promise.all([this.project(flags.dir, deps), import('../app/debug/vscode.js')])
    const result = writeVscode(project.root, await vscodeConfigs(project, flags.env, project.root, deps, service), deps.files)
    if (flags.json) return this.printJson(result)
    process.stdout.write(`${result.configurations.map((c) => `${c.name}: attach to 127.0.0.1:${c.port} (${c.localRoot} -> ${c.remoteRoot})`).join('\n')}\n`)
    deps.reporter.info(`Wrote ${path.relative(process.cwd(), result.file) || result.file}: start "berth: all services" or one of them in Run and Debug.`)
  }

  private async breakpoint(service: string | undefined, where: string, target: DebugTarget, flags: {json?: boolean; timeout?: number}, deps: Deps): Promise<void> {
    const [{parseBreakSpec}, {breakAt}] = await Promise.all([import('../core/debug.js'), import('../app/debug/breakpoint.js')])
    const spec = parseBreakSpec(where)
    const abort = new AbortController()
    const stop = deps.interrupts.watch(() => abort.abort())
    let result
    try {
      result = await breakAt(target, spec, {cwd: process.cwd(), mounts: target.mounts, timeoutMs: flags.timeout ? flags.timeout * 1000 : undefined, signal: abort.signal, onArmed: (m) => process.stderr.write(`berth: ${m}\n`)}, deps)
    } finally {
      stop()
    }
    if (flags.json) return this.printJson(result)
    const at = (f: {function: string; file: string; line: number; column: number}) => `${f.function} (${f.file}:${f.line}:${f.column})`
    const locals = Object.entries(result.locals).map(([k, v]) => `  ${k} = ${v.length > 200 ? `${v.slice(0, 200)}…` : v}`)
    const lines = [`Paused in ${result.service} at ${result.paused.file}:${result.paused.line}:${result.paused.column}`, '', 'Call stack:', ...result.stack.map((f) => `  at ${at(f)}`), '', 'Local variables:', ...(locals.length ? locals : ['  (none)'])]
    process.stdout.write(`${lines.join('\n')}\n`)
    deps.reporter.info(`Resumed and detached${service ? ` from ${service}` : ''}.`)
  }
}
