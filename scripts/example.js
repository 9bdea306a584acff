// `npm run example`: bring up the example stack (stacks/shop) and print its URL.
// Where the local stand-in images exist (machines without a registry, see ../shared/tools/docker-engine.sh),
// they are mapped in with BERTH_IMAGE_MAP unless you set your own.
import {execFileSync, spawnSync} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const env = {...process.env}
const local = {'node:20-bookworm-slim': 'local/node:20', 'postgres:15': 'local/postgres:15', 'redis:7': 'local/redis:7', 'debian:bookworm-slim': 'local/debian:bookworm'}
const have = (image) => {
  try {
    execFileSync('docker', ['image', 'inspect', image], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
}
if (!env.BERTH_IMAGE_MAP && Object.values(local).every(have)) {
  env.BERTH_IMAGE_MAP = Object.entries(local).map(([from, to]) => `${from}=${to}`).join(',')
  console.error(`using the local images: BERTH_IMAGE_MAP=${env.BERTH_IMAGE_MAP}`)
}
const args = [path.join(root, 'bin/run.js'), 'up', process.argv[2] ?? 'dev', '--dir', path.join(root, 'stacks/shop')]
const r = spawnSync(process.execPath, args, {stdio: 'inherit', env})
if (r.status === 0) console.error(`\nStop it with: ./bin/run.js down --dir stacks/shop   (data stays in its volumes)`)
process.exit(r.status ?? 1)
