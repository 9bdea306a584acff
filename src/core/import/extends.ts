/**
 * `extends:` resolved as Compose does: the base service (of this file or another) merged under the
 * service, the base's relative paths rebased onto this file's folder. Another file that is not there is
 * refused. Pure: other files are loaded through the callback.
 */
import path from 'node:path'
import {ConfigError} from '../errors.js'
import {isPlainObject} from '../merge.js'
import {mergeServices, type ComposeFile, type Plain} from './compose-file.js'
import {envFiles, isHostPath, parseMount} from './normalize.js'

export interface LoadedFile {
  file: ComposeFile
  /** Absolute folder of the file. */
  dir: string
}

export interface ExtendsResult {
  services: Record<string, Plain>
  notes: string[]
}

/** Each service with its `extends:` resolved; `load` reads another Compose file (undefined: it does not exist). */
export function resolveExtends(main: LoadedFile, services: Record<string, Plain>, load: (absPath: string) => LoadedFile | undefined): ExtendsResult {
  const notes: string[] = []
  const out: Record<string, Plain> = {}
  for (const name of Object.keys(services)) {
    out[name] = resolveOne(main, services, name, load, [], notes, main.dir)
  }
  return {services: out, notes}
}

function resolveOne(here: LoadedFile, services: Record<string, Plain>, name: string, load: (p: string) => LoadedFile | undefined, chain: string[], notes: string[], mainDir: string): Plain {
  const svc = services[name]
  const id = `${here.file.file}:${name}`
  if (chain.includes(id)) throw new ConfigError(`extends loops: ${[...chain, id].join(' -> ')}`, here.file.locate(['services', name, 'extends']))
  if (svc.extends === undefined) return svc
  const ext = typeof svc.extends === 'string' ? {service: svc.extends} : isPlainObject(svc.extends) ? svc.extends : {}
  const baseName = typeof ext.service === 'string' ? ext.service : undefined
  const where = here.file.locate(['services', name, 'extends'])
  if (!baseName) throw new ConfigError(`service "${name}": extends needs a service`, where)
  let from = here
  let fromServices = services
  if (typeof ext.file === 'string') {
    const abs = path.resolve(here.dir, ext.file)
    const loaded = load(abs)
    if (!loaded) {
      throw new ConfigError(`service "${name}" extends ${baseName} from ${ext.file}, which does not exist (${abs})`, here.file.locate(['services', name, 'extends', 'file']), {
        hints: ['Add that file next to the Compose file, or copy the base service into it, then import again.'],
      })
    }
    from = loaded
    fromServices = loaded.file.value.services as Record<string, Plain>
  }
  if (!isPlainObject(fromServices[baseName])) throw new ConfigError(`service "${name}" extends unknown service "${baseName}"${typeof ext.file === 'string' ? ` of ${ext.file}` : ''}`, where)
  let base = resolveOne(from, fromServices, baseName, load, [...chain, id], notes, mainDir)
  if (from.dir !== here.dir) base = rebaseService(base, from.dir, here.dir)
  notes.push(`${name}: extends ${baseName}${typeof ext.file === 'string' ? ` from ${ext.file}` : ''} resolved (merged as Compose merges it)`)
  const own = {...svc}
  delete own.extends
  return mergeServices(base, own)
}

/** A relative path (kept starting with "." so that a mount's source stays a path, not a volume name). */
function rel(p: string, fromDir: string, toDir: string): string {
  if (/^[/~$]/.test(p)) return p
  const r = path.relative(toDir, path.resolve(fromDir, p)) || '.'
  return r.startsWith('.') ? r : `./${r}`
}

/** A service's relative paths (build context, env files, bind mounts) from one folder's view to another's. */
function rebaseService(svc: Plain, fromDir: string, toDir: string): Plain {
  const out: Plain = {...svc}
  if (typeof svc.build === 'string') out.build = rel(svc.build, fromDir, toDir)
  else if (isPlainObject(svc.build)) out.build = {...svc.build, context: rel(typeof svc.build.context === 'string' ? svc.build.context : '.', fromDir, toDir)}
  const files = envFiles(svc.env_file)
  if (files.length > 0) out.env_file = files.map((f) => ({path: rel(f.path, fromDir, toDir), required: f.required}))
  if (Array.isArray(svc.volumes)) {
    out.volumes = svc.volumes.map((v) => {
      const m = parseMount(v)
      if (!m || m.type !== 'bind' || !m.source || !isHostPath(m.source)) return v
      return isPlainObject(v) ? {...v, source: rel(m.source, fromDir, toDir)} : [rel(m.source, fromDir, toDir), m.target, ...(m.readOnly ? ['ro'] : [])].join(':')
    })
  }
  return out
}
