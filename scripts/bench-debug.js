// Speed of `berth debug SERVICE --break FILE:LINE`: wall time from starting the CLI to the breakpoint
// armed (the line it prints on stderr), on a warm example stack. Baseline: a bare Node process doing the
// same protocol work by hand (GET /json/list on the known port, WebSocket, Debugger.enable,
// setBreakpointByUrl) with no stack lookup at all.
//
//   import {benchDebug} from './bench-debug.js'
//   const rows = await benchDebug({runs: 5})   // [{name, berth_s, baseline_s, ratio, target}]
//
// Needs a built CLI (npm run build), the engine and the local images (BERTH_IMAGE_MAP is set here).
import {execFile, execFileSync, spawn} from 'node:child_process'
import {cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {CLI, median, ROOT} from './bench-lib.js'

const IMAGES = 'node:20-bookworm-slim=local/node:20,postgres:15=local/postgres:15,redis:7=local/redis:7'


function run(file, args, options) {
  return new Promise((resolve, reject) => execFile(file, args, {encoding: 'utf8', maxBuffer: 1 << 26, ...options}, (e, stdout, stderr) => (e ? reject(new Error(`${args.join(' ')}: ${stderr || e.message}`)) : resolve(stdout))))
}

/** Start a process and resolve the ms until `pattern` shows on its stderr (then let it finish with `after`). */
function timeUntil(file, args, options, pattern, after) {
  return new Promise((resolve, reject) => {
    const start = performance.now()
    const child = spawn(file, args, {...options, stdio: ['ignore', 'pipe', 'pipe']})
    let err = ''
    let armedAt
    child.stdout.resume()
    child.stderr.on('data', (c) => {
      err += c
      if (armedAt === undefined && pattern.test(err)) {
        armedAt = performance.now() - start
        after().catch(() => undefined)
      }
    })
    child.on('close', (code) => (armedAt !== undefined && code === 0 ? resolve(armedAt) : reject(new Error(`exit ${code} before armed: ${err}`))))
  })
}

const BASELINE = `
const WebSocket = require(process.argv[1])
const [port, line] = [Number(process.argv[2]), Number(process.argv[3])]
fetch('http://127.0.0.1:' + port + '/json/list').then((r) => r.json()).then(([t]) => {
  const ws = new WebSocket(t.webSocketDebuggerUrl)
  let id = 0
  const send = (method, params = {}) => new Promise((res) => { const my = ++id; ws.on('message', (d) => { const m = JSON.parse(d); if (m.id === my) res(m.result) }); ws.send(JSON.stringify({id: my, method, params})) })
  ws.on('open', async () => {
    await send('Debugger.enable')
    const bp = await send('Debugger.setBreakpointByUrl', {urlRegex: '/src/server\\\\.js$', lineNumber: line - 1})
    process.stderr.write('breakpoint armed\\n')
    ws.on('message', async (d) => { if (JSON.parse(d).method === 'Debugger.paused') { await send('Debugger.removeBreakpoint', {breakpointId: bp.breakpointId}); await send('Debugger.resume'); ws.close() } })
  })
})
`

export async function benchDebug({runs = 5} = {}) {
  const name = `bench-dbg-${Math.random().toString(36).slice(2, 8)}`
  const dir = mkdtempSync(path.join(os.tmpdir(), `berth-${name}-`))
  const offset = 3000 + Math.floor(Math.random() * 200) * 10
  const env = {...process.env, BERTH_IMAGE_MAP: IMAGES, BERTH_PORT_OFFSET: String(offset), NO_COLOR: '1', BERTH_CONFIG: '/nonexistent/berth-config.yml'}
  cpSync(path.join(ROOT, 'stacks', 'shop'), dir, {recursive: true, filter: (src) => !/[/\\](node_modules|\.berth)$/.test(src)})
  const file = path.join(dir, 'berth.yml')
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^name: .*$/m, `name: ${name}`))
  for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['-c', 'user.name=b', '-c', 'user.email=b@example.com', 'commit', '-qm', 'bench']]) execFileSync('git', args, {cwd: dir})
  const line = readFileSync(path.join(dir, 'app', 'server.js'), 'utf8').split('\n').findIndex((l) => l.includes("'application/json'")) + 1
  const url = `http://127.0.0.1:${8000 + offset}/api/stats`
  const hit = () => fetch(url).then((r) => r.text())
  try {
    await run(process.execPath, [CLI, 'up', '--quiet'], {cwd: dir, env})
    await run(process.execPath, [CLI, 'debug', 'web', '--json'], {cwd: dir, env}) // warm
    const port = 9229 + offset
    const wsModule = path.join(ROOT, 'node_modules', 'ws')
    const berthMs = []
    const baseMs = []
    for (let i = 0; i < runs; i++) {
      berthMs.push(await timeUntil(process.execPath, [CLI, 'debug', 'web', '--break', `app/server.js:${line}`, '--timeout', '60'], {cwd: dir, env}, /breakpoint armed/, hit))
      baseMs.push(await timeUntil(process.execPath, ['-e', BASELINE, wsModule, String(port), String(line)], {cwd: dir, env}, /breakpoint armed/, hit))
    }
    const berth_s = median(berthMs) / 1000
    const baseline_s = median(baseMs) / 1000
    return [{name: 'debug --break: start to breakpoint armed (warm stack)', berth_s: +berth_s.toFixed(3), baseline_s: +baseline_s.toFixed(3), ratio: +(berth_s / baseline_s).toFixed(2), target: 'berth_s <= 1.0'}]
  } finally {
    const label = `label=dev.berth.project=${name}`
    const ids = (await run('docker', ['ps', '-aq', '--filter', label]).catch(() => '')).split('\n').filter(Boolean)
    if (ids.length) await run('docker', ['rm', '-f', '-v', ...ids]).catch(() => undefined)
    const nets = (await run('docker', ['network', 'ls', '-q', '--filter', label]).catch(() => '')).split('\n').filter(Boolean)
    if (nets.length) await run('docker', ['network', 'rm', ...nets]).catch(() => undefined)
    const vols = (await run('docker', ['volume', 'ls', '-q', '--filter', label]).catch(() => '')).split('\n').filter(Boolean)
    if (vols.length) await run('docker', ['volume', 'rm', '-f', ...vols]).catch(() => undefined)
    rmSync(dir, {recursive: true, force: true})
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.table(await benchDebug({runs: Number(process.env.RUNS ?? 5)}))
}
