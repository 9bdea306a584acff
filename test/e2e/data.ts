// What the data tests look at on the real engine: the database of a project's running stack, and volume checksums.
import {execFile} from 'node:child_process'
import {expect} from 'vitest'

export function docker(args: string[]): Promise<{code: number; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    execFile('docker', args, {encoding: 'utf8'}, (e, stdout, stderr) => resolve({code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr}))
  })
}

export async function runningDb(project: string): Promise<string> {
  const r = await docker(['ps', '-q', '--filter', `label=dev.berth.project=${project}`, '--filter', 'label=dev.berth.service=db', '--filter', 'status=running'])
  const ids = r.stdout.split('\n').filter(Boolean)
  expect(ids).toHaveLength(1)
  return ids[0]
}

export async function sql(project: string, query: string): Promise<string> {
  const r = await docker(['exec', await runningDb(project), 'psql', '-U', 'app', '-d', 'app', '-v', 'ON_ERROR_STOP=1', '-tAc', query])
  expect(r.code, r.stderr).toBe(0)
  return r.stdout.trim()
}

export const notes = (project: string) => sql(project, "SELECT coalesce(string_agg(txt, ',' ORDER BY txt), '') FROM notes")

/** A checksum of every file in a volume (names, contents, owners, modes, link targets). */
export async function volumeSum(volume: string): Promise<string> {
  const script = 'cd /v && find . -printf "%p %U:%G %m %l\\n" | sort | sha256sum && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum'
  const r = await docker(['run', '--rm', '--network', 'none', '-v', `${volume}:/v:ro`, 'local/debian:bookworm', 'sh', '-c', script])
  expect(r.code, r.stderr).toBe(0)
  return r.stdout
}
