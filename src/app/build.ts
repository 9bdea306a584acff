/**
 * The images berth builds (services with build:, tagged berth/PROJECT-SERVICE:ENV-BRANCHID): built again only
 * when what a build would send changed. A record in berth's state keeps, per image, its ID and the digest of
 * the build context and Dockerfile it was built from; an image that is gone, another ID under the tag (built
 * by hand), or another digest is stale. Stale images are built with `docker compose build` (BuildKit's cache:
 * only the changed layers run); an unchanged tree builds nothing.
 */
import path from 'node:path'
import {isPlainObject} from '../core/merge.js'
import type {RenderResult} from '../core/render.js'
import type {Deps, RunOptions} from './ports.js'

export interface BuiltImage {
  service: string
  image: string
  /** Digest of the context, the Dockerfile and the build's settings (target, args). */
  digest: string
  /** Why it is built: no such image yet, or what it was built from changed (or is not known). */
  reason?: 'missing' | 'changed'
}

/** Every image the rendered stack builds, with the digest of what its build would send. */
export function builtImages(result: RenderResult, files: Pick<Deps['files'], 'buildContextDigest'>): BuiltImage[] {
  const out: BuiltImage[] = []
  const seen = new Set<string>()
  const services = isPlainObject(result.compose.services) ? result.compose.services : {}
  for (const [service, s] of Object.entries(services)) {
    if (!isPlainObject(s) || !isPlainObject(s.build) || typeof s.image !== 'string' || seen.has(s.image)) continue
    seen.add(s.image)
    // Compose escapes "$" as "$$" in the file; the paths on disk have one
    const context = String(s.build.context).replace(/\$\$/g, '$')
    const dockerfile = path.resolve(context, typeof s.build.dockerfile === 'string' ? s.build.dockerfile.replace(/\$\$/g, '$') : 'Dockerfile')
    const settings = JSON.stringify({target: s.build.target ?? null, args: s.build.args ?? {}})
    out.push({service, image: s.image, digest: `${files.buildContextDigest(context, dockerfile)}:${settings}`})
  }
  return out
}

/** The images whose record does not match (missing, rebuilt by hand, or built from another tree). */
export async function staleImages(project: string, images: BuiltImage[], deps: Pick<Deps, 'engine' | 'state'>): Promise<BuiltImage[]> {
  const records = deps.state.read(project).images ?? {}
  const ids = await Promise.all(images.map((i) => deps.engine.imageId(i.image)))
  return images.flatMap((img, n): BuiltImage[] => {
    const record = records[img.image]
    if (!ids[n]) return [{...img, reason: 'missing' as const}]
    return !record || record.id !== ids[n] || record.digest !== img.digest ? [{...img, reason: 'changed' as const}] : []
  })
}

/** Build these services' images (Compose's build, BuildKit's cache). */
export async function buildImages(target: {project: string; file: string; projectDir: string}, images: BuiltImage[], deps: Pick<Deps, 'compose' | 'reporter'>, output: RunOptions): Promise<void> {
  if (images.length === 0) return
  const why = (i: BuiltImage) => (i.reason === 'missing' ? 'not built yet' : 'its build context, Dockerfile or build settings changed')
  for (const i of images) deps.reporter.step(`Building ${i.image} (${i.service}): ${why(i)}`)
  await deps.compose.run(target, ['build', ...images.map((i) => i.service)], output)
}

/** Remember what each image was built from (after a build, or an up that built what was missing). */
export async function recordImages(project: string, images: BuiltImage[], deps: Pick<Deps, 'engine' | 'state'>): Promise<void> {
  if (images.length === 0) return
  const ids = await Promise.all(images.map((i) => deps.engine.imageId(i.image)))
  deps.state.update(project, (s) => {
    const records = (s.images ??= {})
    images.forEach((img, n) => {
      if (ids[n]) records[img.image] = {id: ids[n], digest: img.digest}
      else delete records[img.image]
    })
  })
}
