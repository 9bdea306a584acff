/**
 * Which way this engine makes a new branch's data volume: copy-on-write (overlay) or a full copy.
 * BERTH_CLONE=copy|overlay|auto; auto probes the engine once (a tiny layer, upper and overlay volume,
 * mounted by a helper container) and remembers the answer per engine in the project's state. Where it
 * cannot (a rootless engine, a kernel without overlayfs, a volume root not of the local driver's layout),
 * branch volumes are full copies, and berth says so once.
 */
import {BerthError, ExitCode} from '../../core/errors.js'
import {cloneSetting, type CloneSetting, layerVolumeName, newPieceId, overlayOptions, upperVolumeName, volumeDir, volumeRootOf, type CloneMode} from '../../core/cow.js'
import {HELPER_LABEL, LABEL} from '../../core/naming.js'
import type {Deps} from '../ports.js'
import type {CopyDeps} from './copy.js'

export type CloneModeDeps = CopyDeps & Pick<Deps, 'env'>

export interface CloneModeAnswer {
  mode: CloneMode
  /** BERTH_CLONE as set (auto by default). */
  setting?: CloneSetting
  /** Why it is a copy (when it is). */
  why?: string
  /** Overlays are mounted with metacopy=on (the kernel has it). */
  metacopy?: boolean
}

/** The mode for this project on this engine (BERTH_CLONE, else the remembered or probed answer). */
export async function cloneModeOf(deps: CloneModeDeps, project: string, image: string): Promise<CloneModeAnswer> {
  const setting = cloneSetting(deps.env)
  if (setting === 'copy') return {mode: 'copy', why: 'BERTH_CLONE=copy'}
  const info = await deps.engine.info()
  const engine = `${info.ID ?? info.Name ?? '?'}|${info.KernelVersion ?? '?'}`
  const known = deps.state.read(project).clone
  let answer: CloneModeAnswer
  if (known?.engine === engine) answer = {mode: known.mode, why: known.why, metacopy: known.metacopy}
  else {
    answer = (info.SecurityOptions ?? []).some((o) => o.includes('rootless')) ? {mode: 'copy', why: 'a rootless engine'} : await probe(deps, project, image)
    deps.state.update(project, (s) => void (s.clone = {engine, ...answer}))
    // Said once per engine: where branch volumes are full copies, and why.
    if (answer.mode === 'copy' && setting === 'auto') deps.reporter.warn(`branch volumes are full copies on this engine (${answer.why}); copy-on-write needs overlayfs in the engine's local volume driver`)
  }
  if (setting === 'overlay' && answer.mode !== 'overlay') {
    throw new BerthError(`BERTH_CLONE=overlay, but this engine cannot make copy-on-write volumes: ${answer.why}`, {
      exitCode: ExitCode.DOCKER,
      hints: ['Use full copies: BERTH_CLONE=copy (or auto)'],
    })
  }
  return {...answer, setting}
}

/** Make a tiny layer and upper, mount an overlay of them in a helper, check that only the upper changed. */
async function probe(deps: CloneModeDeps, project: string, image: string): Promise<CloneModeAnswer> {
  const {engine} = deps
  const id = newPieceId()
  const layer = `${layerVolumeName(project, id)}-probe`
  const upper = upperVolumeName(layer, id)
  const overlay = `${layer}-o`
  const labels = {[LABEL.project]: project, [HELPER_LABEL]: 'probe'}
  const run = async (cmd: string[], mounts: Array<{source: string; target: string; bind?: boolean}>) =>
    engine.runHelper({name: `berth-probe-${id}`, image, cmd: ['bash', '-c', deps.install.runtimeScript('cow.sh'), 'cow.sh', ...cmd], mounts, labels})
  try {
    await engine.ensureVolume(layer, labels)
    await engine.ensureVolume(upper, labels)
    const root = volumeRootOf(layer, (await engine.volume(layer))?.Mountpoint)
    if (!root) return {mode: 'copy', why: 'the volume driver is not the local one (no volume folder to stack on)'}
    const at = (name: string) => volumeDir('/vols', name)
    const made = await run(['probe', at(layer), at(upper)], [{source: root, target: '/vols', bind: true}])
    if (made.code !== 0) return {mode: 'copy', why: `the engine's volume folder cannot be prepared (${made.output.trim().split('\n').at(-1)})`}
    let failed = ''
    // With metacopy=on first (cheaper copy-ups), then without, on kernels that do not have it.
    for (const metacopy of [true, false]) {
      await engine.removeVolume(overlay).catch(() => undefined)
      await engine.createVolumeWith(overlay, labels, overlayOptions(root, [layer], upper, metacopy))
      const checked = await run(['probe-check', at(layer), at(upper)], [
        {source: overlay, target: '/o'},
        {source: root, target: '/vols', bind: true},
      ]).catch((error: unknown) => {
        if (error instanceof BerthError) throw error
        return {code: -1, output: ((error as Error).message ?? '').split('\n')[0]}
      })
      if (checked.code === 0 && checked.output.includes('ok')) return {mode: 'overlay', metacopy}
      failed = checked.output.trim().split('\n').at(-1) || `exit ${checked.code}`
      // The probe's file was moved by a half-run check: put it back for the next try.
      await run(['probe', at(layer), at(upper)], [{source: root, target: '/vols', bind: true}])
    }
    return {mode: 'copy', why: `an overlay volume does not work here (${failed})`}
  } catch (error) {
    // berth's own words (the helper image is missing, the engine is gone): not an answer about overlays.
    if (error instanceof BerthError) throw error
    return {mode: 'copy', why: `an overlay volume does not work here (${((error as Error).message ?? '').split('\n')[0]})`}
  } finally {
    for (const v of [overlay, upper, layer]) await engine.removeVolume(v).catch(() => undefined)
  }
}
