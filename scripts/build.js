// The build: the schema validator precompiled by Ajv, a type check, one ESM bundle of the CLI
// (dist/index.js, with lazily loaded chunks for dockerode-side code), and oclif.manifest.json.
import {createHash} from 'node:crypto'
import {mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {execFileSync} from 'node:child_process'
import {Ajv} from 'ajv'
import standaloneCode from 'ajv/dist/standalone/index.js'
import * as esbuild from 'esbuild'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const t0 = Date.now()

function writeAtomic(file, text) {
  mkdirSync(path.dirname(file), {recursive: true})
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, text)
  renameSync(tmp, file)
}

// 1. berth.yml's validator, as code (compiling the schema at run time costs ~0.2 s).
const ajv = new Ajv({allErrors: true, strict: false, code: {source: true}})
const validate = ajv.compile(JSON.parse(readFileSync(path.join(root, 'schema/berth.schema.json'), 'utf8')))
writeAtomic(path.join(root, 'src/generated/berth-schema.cjs'), standaloneCode.default(ajv, validate))

// 2. Types.
if (!process.argv.includes('--no-check')) {
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json'), '--noEmit'], {stdio: 'inherit'})
}

// 3. The bundle, built aside and swapped in, so a CLI running meanwhile never sees half a dist/.
// It carries berth's version and a fingerprint of what it is built from (sources, dependencies, this
// script): the render cache (.berth/cache) keys on both, so a rebuilt berth never reuses an old render.
const fingerprint = createHash('sha256')
for (const rel of ['package.json', 'package-lock.json', 'scripts/build.js', ...readdirSync(path.join(root, 'src'), {recursive: true}).map((f) => path.join('src', String(f))).sort()]) {
  let data
  try {
    data = readFileSync(path.join(root, rel))
  } catch (error) {
    if (error.code === 'EISDIR') continue
    throw error
  }
  fingerprint.update(rel).update('\0').update(data).update('\0')
}
const version = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version
const out = path.join(root, `dist.${process.pid}.tmp`)
rmSync(out, {recursive: true, force: true})
await esbuild.build({
  entryPoints: [path.join(root, 'src/index.ts')],
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  minifyWhitespace: true,
  minifySyntax: true,
  // dockerode pulls in ssh2 with optional native parts, ajv is only the from-source fallback, and typescript only
  // serves oclif's development mode, jsonc-parser's UMD build requires its own files at run time: keep them as packages.
  external: ['dockerode', 'ajv', 'typescript', 'jsonc-parser'],
  banner: {js: "import {createRequire as __berthCreateRequire} from 'node:module'; const require = __berthCreateRequire(import.meta.url);"},
  define: {__BERTH_VERSION__: JSON.stringify(version), __BERTH_BUILD__: JSON.stringify(fingerprint.digest('hex').slice(0, 16))},
  logLevel: 'warning',
})
rmSync(path.join(root, 'dist.old'), {recursive: true, force: true})
try {
  renameSync(path.join(root, 'dist'), path.join(root, 'dist.old'))
} catch {
  // first build
}
renameSync(out, path.join(root, 'dist'))
rmSync(path.join(root, 'dist.old'), {recursive: true, force: true})

// 4. oclif's manifest, from the bundle.
// (Config.load reads an existing manifest: remove it first; without one oclif reads the bundle.)
rmSync(path.join(root, 'oclif.manifest.json'), {force: true})
const {Config} = await import('@oclif/core')
const config = await Config.load({root})
const manifest = config.getPluginsList().find((p) => p.isRoot).manifest
if (!manifest || Object.keys(manifest.commands).length === 0) throw new Error('oclif found no commands for the manifest')
writeAtomic(path.join(root, 'oclif.manifest.json'), JSON.stringify(manifest, null, 2) + '\n')
console.error(`built dist/ and the manifest (${Object.keys(manifest.commands).length} commands) in ${Date.now() - t0} ms`)
