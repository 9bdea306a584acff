/** berth's own files: state, lock, render cache, generated files, and where berth is installed. (Part of the ports: src/app/ports.ts.) */
import type {RepoIO} from '../../core/init/detect.js'
import type {ProjectIO} from '../../core/inputs.js'
import type {ProjectState} from '../../core/state.js'

/** berth's small state per project (last use of volumes, copies seen complete, warm stacks). Best effort. */
export interface StatePort {
  read(project: string): ProjectState
  /** Read, change and write back atomically; never fails a command. */
  update(project: string, change: (s: ProjectState) => void): void
}

/** One berth command at a time per project. */
export interface LockPort {
  /** Run fn holding the project's lock; waits for another holder (onWait says who), exits LOCKED past the timeout. */
  hold<T>(project: string, fn: () => Promise<T>, onWait?: (holder: string) => void): Promise<T>
  /** Run fn holding the lock if nobody else holds it now; else do nothing (undefined). */
  holdIfFree<T>(project: string, fn: () => Promise<T>): Promise<T | undefined>
}

/** Where rendered results are kept between runs (.berth/cache/ENV.json); reading and writing never fail. */
export interface CacheStore {
  read(root: string, env: string): string | undefined
  write(root: string, env: string, text: string): void
}

export interface FilesPort {
  /** Everything loading and rendering a project reads (recorded for the render cache). */
  project: ProjectIO
  /** Where the user config is looked for (~/.config/berth/config.yml, $BERTH_CONFIG). */
  userConfigFile: string
  /** Write atomically, only when the content changed (the folder made, .berth ignoring itself in git). */
  writeGenerated(file: string, text: string): boolean
  /** A text file berth reads outside the project (a source map, launch.json); undefined when absent. */
  readOptional(file: string): string | undefined
  /** Write a file of the user's (launch.json), making its folder. */
  writeFile(file: string, text: string): void
  /** Whether a path exists. */
  exists(file: string): boolean
  /** A repository's folders and files as `berth init` reads them (listings with types, texts). */
  repo: RepoIO
  /**
   * Write a file of the user's atomically (a temp file beside it, then renamed or linked in: no partial file is
   * ever left). Without `overwrite`, an existing file is kept and the answer is 'exists'.
   */
  writeNew(file: string, text: string, overwrite: boolean): 'written' | 'exists'
  /** A digest of a build's context (as its .dockerignore filters it) and Dockerfile: the same tree, the same digest. */
  buildContextDigest(context: string, dockerfile: string): string
}

/** Where berth itself is installed, and which build it is. */
export interface InstallPort {
  packageRoot: string
  builtinTemplates: string
  runtimeDir: string
  schemaFile: string
  /** A file of berth's runtime/ folder (scripts run in containers). */
  runtimeScript(name: string): string
  /** berth's version and build fingerprint; undefined when running from source (no render cache then). */
  build?: {version: string; build: string}
  /** The render cache's store; null: none (BERTH_NO_CACHE=1). */
  cache: CacheStore | null
}
