// What the bench modules share: where berth is, the local images, running and timing commands, medians, and
// removing what a bench project left on the engine (by its dev.berth.project label).
import {execFile, execFileSync, spawnSync} from 'node:child_process'
import {cpSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const CLI = path.join(ROOT, 'bin', 'run.js')
/** The real images' names mapped to this machine's local ones (BERTH_IMAGE_MAP). */
export const IMAGE_MAP = 'node:20-bookworm-slim=local/node:20,postgres:15=local/postgres:15,redis:7=local/redis:7,debian:bookworm-slim=local/debian:bookworm'
/** The image of helper containers (tar | tar baselines). */
export const HELPER = 'local/debian:bookworm'

/**
 * A command's stdout; it rejects with the command line and its stderr. `errorLines`: only the last lines of
 * stderr in the error (joined with " / ").
 */
export function run(file, args, {errorLines, ...options} = {}) {
  return new Promise((resolve, reject) => {
    execFile(file, args, {encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options}, (error, stdout, stderr) => {
      if (!error) return resolve(stdout)
      const why = stderr || error.message
      reject(new Error(`${file} ${args.join(' ')} failed: ${errorLines ? why.trim().split('\n').slice(-errorLines).join(' / ') : why}`))
    })
  })
}

/** Seconds an async function takes. */
export async function timed(fn) {
  const t = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - t) / 1e9
}

/** Seconds a synchronous function takes. */
export function seconds(fn) {
  const t = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - t) / 1e9
}

/** What a long row is doing now, on stderr (the rows themselves go to stdout). */
export const progress = (text) => process.stderr.write(`bench: ${text}\n`)

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
export const round = (x) => Math.round(x * 1000) / 1000

const ids = async (args) => (await run('docker', args)).split('\n').filter(Boolean)

/** Removes a bench project's containers, networks and volumes (its label), waiting for each. */
export async function removeProject(name) {
  const label = `label=dev.berth.project=${name}`
  const c = await ids(['ps', '-aq', '--filter', label])
  if (c.length) await run('docker', ['rm', '-f', ...c])
  const n = await ids(['network', 'ls', '-q', '--filter', label])
  if (n.length) await run('docker', ['network', 'rm', ...n])
  const v = await ids(['volume', 'ls', '-q', '--filter', label])
  if (v.length) await run('docker', ['volume', 'rm', '-f', ...v])
}

/** The same, synchronously and best effort (a failed removal is not an error); `images`: also berth/NAME-* images. */
export function removeProjectSync(name, {images = false} = {}) {
  const label = `label=dev.berth.project=${name}`
  const list = (cmd) => execFileSync('docker', cmd, {encoding: 'utf8'}).split('\n').filter(Boolean)
  const c = list(['ps', '-aq', '--filter', label])
  if (c.length) spawnSync('docker', ['rm', '-f', ...c], {stdio: 'ignore'})
  const nets = list(['network', 'ls', '-q', '--filter', label])
  if (nets.length) spawnSync('docker', ['network', 'rm', ...nets], {stdio: 'ignore'})
  const v = list(['volume', 'ls', '-q', '--filter', label])
  if (v.length) spawnSync('docker', ['volume', 'rm', ...v], {stdio: 'ignore'})
  if (!images) return
  const tagged = list(['image', 'ls', '-q', '--filter', `reference=berth/${name}-*`])
  if (tagged.length) spawnSync('docker', ['image', 'rm', '-f', ...new Set(tagged)], {stdio: 'ignore'})
}

/** A copy of the example (stacks/shop, without node_modules and .berth) in a new temp folder, renamed `name`. */
export function copyExample(name, tmpPrefix = `berth-bench-${name}-`) {
  const dir = mkdtempSync(path.join(os.tmpdir(), tmpPrefix))
  cpSync(path.join(ROOT, 'stacks', 'shop'), dir, {recursive: true, filter: (src) => !/[/\\](node_modules|\.berth)$/.test(src)})
  const file = path.join(dir, 'berth.yml')
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^name: .*$/m, `name: ${name}`))
  return dir
}
