import {Args, Flags} from '@oclif/core'
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
    const reporter = this.reporter(flags.json && !flags.break)
    const {loadProject} = await import('../app/project.js')
    const {Engine} = await import('../docker/engine.js')
    const engine = new Engine()
    // Load the project, the engine client and the CDP code side by side: this is on the path to "armed".
    const [project] = await Promise.all([
      loadProject({cwd: process.cwd(), dir: flags.dir}),
      flags.vscode ? undefined : engine.ping(),
      flags.vscode ? undefined : import('../app/debug.js'),
    ])

    if (flags.vscode) {
      const {vscodeConfigs, writeVscode} = await import('../app/debug.js')
      const {mkdirSync, readFileSync, writeFileSync, existsSync} = await import('node:fs')
      const path = await import('node:path')
      const configs = await vscodeConfigs(project, flags.env, project.root, args.service)
      const result = writeVscode(project.root, configs, {
        read: (f) => (existsSync(f) ? readFileSync(f, 'utf8') : undefined),
        write: (f, text) => {
          mkdirSync(path.dirname(f), {recursive: true})
          writeFileSync(f, text)
        },
      })
      if (flags.json) return this.printJson(result)
      process.stdout.write(`${result.configurations.map((c) => `${c.name}: attach to 127.0.0.1:${c.port} (${c.localRoot} -> ${c.remoteRoot})`).join('\n')}\n`)
      reporter.info(`Wrote ${path.relative(process.cwd(), result.file) || result.file}: start "berth: all services" or one of them in Run and Debug.`)
      return
    }

    const {debugTargets, breakAt} = await import('../app/debug.js')

    if (flags.break) {
      const {parseBreakSpec} = await import('../core/debug.js')
      const spec = parseBreakSpec(flags.break)
      if (!args.service) this.error('--break needs a SERVICE: berth debug SERVICE --break FILE:LINE', {exit: 2})
      const {targets, bridges} = await debugTargets(project, {env: flags.env, service: args.service, bridgePort: flags.port}, {engine, reporter})
      const abort = new AbortController()
      const onSigint = () => abort.abort()
      process.once('SIGINT', onSigint)
      try {
        const target = targets[targets.length - 1]
        const mounts = target.mounts
        const result = await breakAt(target, spec, {
          cwd: process.cwd(),
          mounts,
          timeoutMs: flags.timeout ? flags.timeout * 1000 : undefined,
          signal: abort.signal,
          onArmed: (m) => process.stderr.write(`berth: ${m}\n`),
        })
        if (flags.json) return this.printJson(result)
        const at = (f: {function: string; file: string; line: number; column: number}) => `${f.function} (${f.file}:${f.line}:${f.column})`
        const lines = [
          `Paused in ${result.service} at ${result.paused.file}:${result.paused.line}:${result.paused.column}`,
          '',
          'Call stack:',
          ...result.stack.map((f) => `  at ${at(f)}`),
          '',
          'Local variables:',
          ...(Object.keys(result.locals).length ? Object.entries(result.locals).map(([k, v]) => `  ${k} = ${v.length > 200 ? `${v.slice(0, 200)}…` : v}`) : ['  (none)']),
        ]
        process.stdout.write(`${lines.join('\n')}\n`)
        reporter.info('Resumed and detached.')
      } finally {
        process.off('SIGINT', onSigint)
        await Promise.all(bridges.map((b) => b.close()))
      }
      return
    }

    const {stack, targets, bridges} = await debugTargets(project, {env: flags.env, service: args.service, bridgePort: flags.port}, {engine, reporter})
    const shown = targets.map(({containerId: _id, mounts: _m, ...t}) => t)
    if (flags.json) this.printJson({stack, targets: shown})
    else {
      const out: string[] = []
      for (const t of shown) {
        out.push(`${t.service}  ${t.title}  (127.0.0.1:${t.port}${t.bridged ? ', bridged by berth' : ''})`)
        out.push(`  ws:        ${t.ws}`)
        out.push(`  devtools:  ${t.devtools}`)
        out.push(`  chrome:    ${t.chrome}`)
      }
      process.stdout.write(`${out.join('\n')}\n`)
    }
    if (bridges.length > 0) {
      reporter.info(`The bridge${bridges.length > 1 ? 's stay' : ' stays'} open while berth runs: press Ctrl-C to close.`)
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve())
        process.once('SIGTERM', () => resolve())
      })
      await Promise.all(bridges.map((b) => b.close()))
    }
  }
}
