/** A service's mounts (berth's volumes, the service's other mounts) and its one-shot setup container. */
import path from 'node:path'
import {ConfigError} from './errors.js'
import {clone, mergeOwned} from './merge.js'
import type {MountSpec, VolumeKind, VolumeSpec} from './model.js'
import {escapeDollars, LABEL, volumeName} from './naming.js'
import {resolvePlaceholders} from './placeholders.js'
import type {ServiceRender, StackRender} from './render-types.js'

function normalizeVolume(v: string | VolumeSpec): VolumeSpec {
  return typeof v === 'string' ? {path: v} : v
}

/** Volumes: the template's, then the service's (null removes one), only those for this mode; external in the file. */
export function renderVolumes(st: StackRender, {name, spec, template, sourceDir}: ServiceRender): {mounts: Array<Record<string, unknown>>; installKey?: string} {
  const volSpecs: Record<string, VolumeSpec> = {}
  for (const [key, v] of Object.entries(template.value.volumes)) volSpecs[key] = clone(v)
  for (const [key, v] of Object.entries(spec.volumes ?? {})) {
    if (v === null) delete volSpecs[key]
    else volSpecs[key] = {...volSpecs[key], ...normalizeVolume(v)}
  }
  const mounts: Array<Record<string, unknown>> = []
  let installKey: string | undefined
  for (const key of Object.keys(volSpecs).sort()) {
    const v = volSpecs[key]
    if (v.modes && !v.modes.includes(st.mode)) continue
    const kind: VolumeKind = v.kind ?? 'data'
    let contentHash: string | undefined
    if (kind === 'cache') {
      const keys = v.key === undefined ? [] : Array.isArray(v.key) ? v.key : [v.key]
      contentHash = st.req.io.hashFiles(keys.map((k) => path.resolve(sourceDir, k)))
      installKey = contentHash
    }
    const docker = volumeName({project: st.file.name, env: st.env.name, branch: st.req.ctx.branch, service: name, key, kind, contentHash})
    const labels: Record<string, string> = {...st.baseLabels, [LABEL.service]: name, [LABEL.volume]: key, [LABEL.kind]: kind}
    if (kind !== 'data') {
      labels[LABEL.branch] = ''
      delete labels[LABEL.stack]
    }
    if (kind === 'cache') labels[LABEL.env] = ''
    st.volumes.push({name: docker, service: name, key, kind, path: v.path, seed: v.seed ?? 'base', labels})
    const fileKey = `${name}-${key}`
    st.topVolumes[fileKey] = {name: docker, external: true}
    mounts.push({type: 'volume', source: fileKey, target: v.path})
  }
  return {mounts, installKey}
}

/** The service's `mounts`: bind mounts (host paths relative to berth.yml), Compose volumes and tmpfs, by target. */
export function otherMounts(st: StackRender, {name, spec, where}: ServiceRender): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = []
  for (const target of Object.keys(spec.mounts ?? {}).sort()) {
    const raw = spec.mounts![target]
    if (raw === null || raw === undefined) continue
    const m: MountSpec = typeof raw === 'string' ? {source: raw} : raw
    const type = m.type ?? 'bind'
    if (type !== 'tmpfs' && !m.source) throw new ConfigError(`service "${name}": mount ${target} needs a source`, st.src.locate([...where('mounts'), target]))
    const mount: Record<string, unknown> = {type, target}
    // A host path: relative to berth.yml (absolute in the file, $ escaped); an absolute, ~ or ${VAR} path is kept as written.
    if (type === 'bind') {
      mount.source = /^[/~$]/.test(m.source!) ? m.source : escapeDollars(path.resolve(st.req.ctx.root, m.source!))
      mount.bind = {create_host_path: true}
    } else if (type === 'volume') mount.source = m.source
    if (m.read_only) mount.read_only = true
    out.push(mount)
  }
  return out
}

/** A one-shot setup container (e.g. npm ci into the node_modules volume) the service waits for. */
export function addSetup(st: StackRender, sr: ServiceRender, service: Record<string, unknown>, installKey: string | undefined): void {
  const setupSpec = sr.template.value.setup
  if (!setupSpec || (setupSpec.modes && !setupSpec.modes.includes(st.mode))) return
  const setupScope = {...sr.scope, install_key: installKey ?? 'none'}
  const setupOverlay = resolvePlaceholders(clone(setupSpec.service), setupScope, {source: sr.template.source, basePath: ['setup', 'service']}) ?? {}
  // Built here, its parts shared with the service copied (as deepMerge copied all of it): the environment is
  // a new object already, and is not copied twice.
  const setup: Record<string, unknown> = {
    image: service.image,
    ...(service.build ? {build: clone(service.build)} : {}),
    working_dir: service.working_dir,
    environment: {...(service.environment as Record<string, unknown>), BERTH_INSTALL_KEY: installKey ?? 'none'},
    ...(service.env_file ? {env_file: clone(service.env_file)} : {}),
    volumes: clone(service.volumes),
    labels: {...st.baseLabels, [LABEL.service]: `${sr.name}-setup`, [LABEL.role]: 'setup'},
  }
  st.services[`${sr.name}-setup`] = mergeOwned(setup, setupOverlay)
  st.rendered.push({name: `${sr.name}-setup`, template: sr.templateName, role: 'setup'})
  service.depends_on = {...(service.depends_on as Record<string, unknown>), [`${sr.name}-setup`]: {condition: 'service_completed_successfully'}}
}
