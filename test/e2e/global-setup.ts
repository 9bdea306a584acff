// End-to-end tests need a real engine: without one they fail here, loudly, and never skip.
import {execFileSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import path from 'node:path'
import {LOCAL_IMAGE_LIST, ROOT} from './harness.js'

export default function setup(): void {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], {stdio: 'pipe', timeout: 20_000})
  } catch (error) {
    throw new Error(
      `End-to-end tests need a running Docker engine, and none answers (${(error as Error).message.split('\n')[0]}).\n` +
        'Start one with: bash ../shared/tools/docker-engine.sh   (CI does this in .ci/run)',
    )
  }
  try {
    execFileSync('docker', ['compose', 'version'], {stdio: 'pipe'})
  } catch {
    throw new Error('End-to-end tests need Docker Compose v2 (docker compose version failed). Run: bash ../shared/tools/docker-engine.sh')
  }
  const missing = LOCAL_IMAGE_LIST.filter((image) => {
    try {
      execFileSync('docker', ['image', 'inspect', image], {stdio: 'pipe'})
      return false
    } catch {
      return true
    }
  })
  if (missing.length) throw new Error(`End-to-end tests need the local images ${missing.join(', ')}. Build them with: bash ../shared/tools/docker-engine.sh`)
  if (!existsSync(path.join(ROOT, 'dist', 'index.js')) || !existsSync(path.join(ROOT, 'oclif.manifest.json'))) {
    throw new Error('End-to-end tests run the built CLI: run npm run build first (npm test does).')
  }
}
