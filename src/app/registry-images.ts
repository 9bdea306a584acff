/**
 * Images from a registry (image_from: registry), before anything starts: each one is used when it is on the
 * engine, else pulled (through Compose, so `docker login` credentials apply). One that is neither stops up with
 * one line naming the service, the key and the image (PREFLIGHT), nothing created; with --build-if-missing it is
 * built from the service's build: instead and tagged with the reference, saying so on stderr.
 */
import {BerthError, ExitCode, isBerthError} from '../core/errors.js'
import type {RegistryImage} from '../core/image-source.js'
import {hasRegistryHost} from '../core/images.js'
import type {RenderResult} from '../core/render.js'
import type {Deps, Reporter, RunOptions} from './ports.js'
import type {Project} from './project.js'

export interface RegistryImageOptions {
  env: string
  buildIfMissing?: boolean
}

/** Why a pull failed, in one short line (Compose's last line of output). */
function pullReason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean)
  return (lines.at(-1) ?? text).slice(0, 300)
}

/** `tried`: --build-if-missing was given (and the service has no build: to build from). */
function notThere(r: RegistryImage, env: string, reason: string, tried: boolean): BerthError {
  const at = r.at ? `${r.at}: ` : ''
  const login = hasRegistryHost(r.image) ? `docker login ${r.image.slice(0, r.image.indexOf('/'))}` : 'docker login'
  const hints = [`Check the reference; log in if the registry needs it (${login}), then: docker pull ${r.image}`]
  if (r.fallback) hints.push(`Or build it from ${r.buildFrom} instead: berth up ${env} --build-if-missing`)
  else hints.push(`To build it here instead, give service "${r.service}" a build: (a folder with a Dockerfile) and run berth up ${env} --build-if-missing`)
  hints.push(`(docker compose pull said: ${reason})`)
  const why = tried ? 'is not on this engine, could not be pulled, and there is no build: to build it from' : 'is not on this engine and could not be pulled'
  return new BerthError(`${at}service "${r.service}": image_from: registry: image ${r.image} ${why}`, {exitCode: ExitCode.PREFLIGHT, hints})
}

/** Each registry image on the engine (pulled if need be); the missing ones built with --build-if-missing. */
export async function ensureRegistryImages(project: Project, result: RenderResult, yaml: string, options: RegistryImageOptions, deps: Pick<Deps, 'engine' | 'compose' | 'reporter'>, output: RunOptions): Promise<void> {
  const wanted = result.registryImages ?? []
  if (wanted.length === 0) return
  const {engine, compose, reporter} = deps
  const missing: Array<{image: RegistryImage; reason: string}> = []
  for (const r of await interpolated(wanted, project, result, yaml, compose)) {
    if (await engine.hasImage(r.image)) continue
    reporter.step(`${r.service}: ${r.image} is not on this engine; pulling it`)
    try {
      await compose.run({project: result.project, file: '-', projectDir: project.root}, ['pull', '--quiet', r.service], {input: yaml})
      if (await engine.hasImage(r.image)) continue
      missing.push({image: r, reason: 'the pull ended without the image'})
    } catch (error) {
      if (isBerthError(error) && error.exitCode !== ExitCode.COMPOSE) throw error
      missing.push({image: r, reason: pullReason(error)})
    }
  }
  // Every one checked before any is built: a stack that cannot start builds nothing.
  for (const {image, reason} of missing) if (!options.buildIfMissing || !image.fallback) throw notThere(image, options.env, reason, Boolean(options.buildIfMissing && !image.fallback))
  for (const {image} of missing) await buildFallback(project, result, image, deps.reporter, deps.compose, output)
}

/** References with ${VAR} in them (a tag from the environment or .env), as Compose fills them in. */
async function interpolated(wanted: RegistryImage[], project: Project, result: RenderResult, yaml: string, compose: Deps['compose']): Promise<RegistryImage[]> {
  if (!wanted.some((r) => r.image.includes('$'))) return wanted
  const {stdout} = await compose.run({project: result.project, file: '-', projectDir: project.root}, ['config', '--format', 'json'], {input: yaml})
  const services = (JSON.parse(stdout) as {services?: Record<string, {image?: string}>}).services ?? {}
  return wanted.map((r) => ({...r, image: services[r.service]?.image ?? r.image}))
}

async function buildFallback(project: Project, result: RenderResult, r: RegistryImage, reporter: Reporter, compose: Deps['compose'], output: RunOptions): Promise<void> {
  reporter.warn(`${r.service}: ${r.image} not found; building it from ${r.buildFrom} (--build-if-missing)`)
  // The build's own small Compose file, on stdin: image + build, so Compose tags the build with the reference.
  const {composeBody} = await import('../core/compose-yaml.js')
  await compose.run({project: result.project, file: '-', projectDir: project.root}, ['build', r.service], {...output, input: composeBody(r.fallback)})
}
