// Run by berth in a container (node -e SCRIPT PORT) to open the inspector of a running app on demand:
// finds the app's Node process (not npm, nodemon, tsx's CLI or node -e), sends it SIGUSR1, and waits
// until 127.0.0.1:PORT listens. Prints one JSON object: {pid, cmd, candidates}, {already}, or {error}.
const PORT = Number(process.argv[1] || 9229)
const fs = require('fs')
const hex = ':' + PORT.toString(16).toUpperCase().padStart(4, '0')
const listening = () => ['/proc/net/tcp', '/proc/net/tcp6'].some((f) => { try { return fs.readFileSync(f, 'utf8').split('\n').some((l) => { const c = l.trim().split(/\s+/); return c[3] === '0A' && c[1].endsWith(hex) }) } catch { return false } })
const done = (o) => { process.stdout.write(JSON.stringify(o)); process.exit(0) }
if (listening()) done({already: true})
const wrapper = /(^|\/)(npm|npx|yarn|pnpm|corepack)(\s|$|-cli|\.c?js)|\/(nodemon\/bin|tsx\/dist\/cli|node-dev\/bin)/
const found = []
for (const p of fs.readdirSync('/proc')) {
  if (!/^\d+$/.test(p) || Number(p) === process.pid) continue
  let argv, exe = ''
  try { argv = fs.readFileSync('/proc/' + p + '/cmdline', 'utf8').split('\0').filter(Boolean) } catch { continue }
  try { exe = fs.readlinkSync('/proc/' + p + '/exe') } catch {}
  const line = argv.join(' ')
  if (!/(^|\/)node[\w.-]*$/.test(exe) && !/(^|\/)node(\s|$)/.test(line)) continue
  if (wrapper.test(line) || argv.includes('-e') || argv.includes('--eval')) continue
  found.push({pid: Number(p), cmd: line})
}
if (found.length === 0) done({error: 'no Node.js process found in the container'})
const app = found.sort((a, b) => b.pid - a.pid)[0]
try { process.kill(app.pid, 'SIGUSR1') } catch (e) { done({error: 'cannot signal pid ' + app.pid + ' (' + app.cmd + '): ' + e.code, pid: app.pid}) }
const until = Date.now() + 4000
const wait = () => listening() ? done({pid: app.pid, cmd: app.cmd, candidates: found.length}) : Date.now() > until ? done({error: 'pid ' + app.pid + ' (' + app.cmd + ') got SIGUSR1 but no inspector listens on 127.0.0.1:' + PORT, pid: app.pid}) : setTimeout(wait, 50)
wait()
