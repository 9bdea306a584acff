/** The file watcher port over chokidar (loaded on first use: only `berth watch` needs it). */
import type {FileWatcherPort} from '../app/ports.js'

export const chokidarWatcher: FileWatcherPort = {
  async watch(paths, ignored, onChange) {
    const {watch} = await import('chokidar')
    // Ignored when registering (not after events arrive), or a repo exhausts the inotify watch limit.
    const watcher = watch(paths, {ignoreInitial: true, ignored, atomic: true})
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()))
    watcher.on('all', (_event, file) => onChange(file))
    return {close: () => watcher.close()}
  },
}
