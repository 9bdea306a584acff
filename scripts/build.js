// The build: the schema validator precompiled by Ajv, a type check, one ESM bundle of the CLI
// (dist/index.js, with lazily loaded chunks for dockerode-side code), and oclif.manifest.json.
import {createHash} from 'node:crypto'
import {mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {execFileSync} from 'node:child_process'
import {createRequire} from 'node:module'
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
// dockerode's BuildKit session (gRPC and protobufjs, which read .proto files next to their own code) and
// docker-modem's SSH transport (ssh2) are loaded at require time although only `docker build` through the API
// and ssh:// engines use them. In the bundle each becomes a stub that requires the real module from
// node_modules on first call, so they cost nothing until then and still work then.
const LAZY = {
  './session': {from: /[/\\]dockerode[/\\]lib[/\\]docker\.js$/, real: 'dockerode/lib/session.js'},
  './buildkit': {from: /[/\\]dockerode[/\\]lib[/\\]docker\.js$/, real: 'dockerode/lib/buildkit.js'},
  './ssh': {from: /[/\\]docker-modem[/\\]lib[/\\]modem\.js$/, real: 'docker-modem/lib/ssh.js'},
}
// dockerode's util.js requires zlib for a gzip of build contexts only: required on first use instead.
const DOCKERODE_ZLIB = "var zlib = require('zlib');"
const MODEM_INSPECT = "debug('Sending: %s', util.inspect(options, {"
const lazyDockerParts = {
  name: 'lazy-docker-parts',
  setup(build) {
    build.onLoad({filter: /[/\\]dockerode[/\\]lib[/\\]util\.js$/}, (args) => {
      const text = readFileSync(args.path, 'utf8')
      if (!text.includes(DOCKERODE_ZLIB)) throw new Error(`${args.path} no longer requires zlib as scripts/build.js expects: look at the lazy-docker-parts plugin again`)
      return {contents: text.replace(DOCKERODE_ZLIB, "var zlib = {createGzip: function () { return require('zlib').createGzip.apply(null, arguments) }};"), loader: 'js'}
    })
    // docker-modem formats every request's options for its debug log (util.inspect, all hidden properties, no
    // depth limit) even when that log is off: ~1-10 ms per request, more with an agent in the options. Only when on.
    build.onLoad({filter: /[/\\]docker-modem[/\\]lib[/\\]modem\.js$/}, (args) => {
      const text = readFileSync(args.path, 'utf8')
      if (!text.includes(MODEM_INSPECT)) throw new Error(`${args.path} no longer logs requests as scripts/build.js expects: look at the lazy-docker-parts plugin again`)
      return {contents: text.replace(MODEM_INSPECT, `debug.enabled && ${MODEM_INSPECT}`), loader: 'js'}
    })
    // The precompiled schema validator's few helpers from ajv's runtime are bundled (ajv itself is not):
    // resolved through node_modules and compiled without the code cache, they cost ~2 ms on every load of berth.yml.
    build.onResolve({filter: /^ajv\/dist\/runtime\//}, (args) => ({path: createRequire(args.importer || path.join(root, 'x')).resolve(args.path)}))
    build.onResolve({filter: /^\.\/(session|buildkit|ssh)$/}, (args) => {
      const lazy = LAZY[args.path]
      if (!lazy || !lazy.from.test(args.importer)) return undefined
      return {path: lazy.real, namespace: 'berth-lazy'}
    })
    build.onResolve({filter: /^(dockerode|docker-modem)\/lib\/(session|buildkit|ssh)\.js$/}, (args) => (args.namespace === 'berth-lazy' ? {path: args.path, external: true} : undefined))
    build.onLoad({filter: /.*/, namespace: 'berth-lazy'}, (args) => ({
      contents: args.path.endsWith('buildkit.js')
        ? `module.exports = { followProgress: function () { var m = require(${JSON.stringify(args.path)}); return m.followProgress.apply(m, arguments) } }`
        : args.path.startsWith('docker-modem/')
          ? // docker-modem is dockerode's dependency: found from dockerode's folder, wherever npm put it
            `module.exports = function () { return require('node:module').createRequire(require.resolve('dockerode'))(${JSON.stringify(args.path)}).apply(this, arguments) }`
          : `module.exports = function () { return require(${JSON.stringify(args.path)}).apply(this, arguments) }`,
      loader: 'js',
      resolveDir: root,
    }))
  },
}

// oclif sorts the commands with localeCompare on every start, and the first localeCompare in a process sets up
// ICU's collation (~10 ms). For ids of lowercase letters, ':' and '-' (all of berth's) code-unit order is the
// same order; other ids still go through localeCompare.
const OCLIF_SORT = '.sort((a, b) => a.id.localeCompare(b.id))'
// oclif also checks the Node version against berth's engines on every start, with semver (loading it and
// compiling its regular expressions: ~4-7 ms). A plain ">=MAJOR.MINOR[.PATCH]" range is compared directly,
// and semver loaded only for another range.
const OCLIF_ENGINES = 'semver.satisfies(process.versions.node, pjson.engines.node)'
const OCLIF_SEMVER = "const semver = require('semver');"
const fastEngines = `((v, r) => { const m = /^>=\\s*(\\d+)\\.(\\d+)(?:\\.(\\d+))?$/.exec(r); if (!m) return semver.satisfies(v, r); const a = v.split('.').map(Number), b = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)]; for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i]; return true })(process.versions.node, pjson.engines.node)`
// And two modules oclif requires on every start but needs rarely: tinyglobby (finding command files, which the
// explicit command table makes unneeded; its fdir also resolves picomatch through node_modules when loaded) and
// readline (a flag's value read from stdin). Each becomes an object that requires the module on first use.
const OCLIF_LAZY = {
  'config/plugin.js': [['const tinyglobby_1 = require("tinyglobby");', 'const tinyglobby_1 = {get glob() { return require("tinyglobby").glob }};']],
  'parser/parse.js': [['const node_readline_1 = require("node:readline");', 'const node_readline_1 = {get createInterface() { return require("node:readline").createInterface }};']],
}
const oclifStartUp = {
  name: 'oclif-start-up',
  setup(build) {
    build.onLoad({filter: /[/\\]@oclif[/\\]core[/\\]lib[/\\](parser[/\\]parse|config[/\\]plugin)\.js$/}, (args) => {
      let text = readFileSync(args.path, 'utf8')
      const rel = args.path.replaceAll('\\', '/').split('/@oclif/core/lib/').pop()
      for (const [from, to] of OCLIF_LAZY[rel] ?? []) {
        if (!text.includes(from)) throw new Error(`${args.path} no longer has ${from}: look at the oclif-start-up plugin in scripts/build.js again`)
        text = text.replace(from, to)
      }
      if (rel === 'config/plugin.js') {
        if (!text.includes(OCLIF_SORT)) throw new Error(`${args.path} no longer sorts its commands as scripts/build.js expects: look at the oclif-start-up plugin again`)
        const plain = '/^[a-z:-]*$/'
        text = text.replace(OCLIF_SORT, `.sort((a, b) => (${plain}.test(a.id) && ${plain}.test(b.id) ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.id.localeCompare(b.id)))`)
      }
      return {contents: text, loader: 'js'}
    })
    build.onLoad({filter: /[/\\]@oclif[/\\]core[/\\]lib[/\\]index\.js$/}, (args) => {
      const text = readFileSync(args.path, 'utf8')
      if (!text.includes(OCLIF_ENGINES) || !text.includes(OCLIF_SEMVER)) throw new Error(`${args.path} no longer checks the Node version as scripts/build.js expects: look at the oclif-start-up plugin again`)
      return {contents: text.replace(OCLIF_ENGINES, fastEngines).replace(OCLIF_SEMVER, "const semver = {satisfies: (v, r) => require('semver').satisfies(v, r)};"), loader: 'js'}
    })
  },
}

const version = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version
const out = path.join(root, `dist.${process.pid}.tmp`)
rmSync(out, {recursive: true, force: true})
// One CommonJS file rather than ESM chunks: bin/run.js compiles it through vm.Script with V8's code cache
// (src/boot/code-cache.ts), which Node 20 offers for scripts only; compiling the ESM chunks was most of the start-up.
// A script compiled from a code cache has no dynamic import() on Node 20, so none may remain in the bundle:
// esbuild turns berth's lazy `import()`s into lazily run module bodies and the rest into require().
const built = await esbuild.build({
  metafile: Boolean(process.env.BERTH_BUILD_META),
  entryPoints: [path.join(root, 'src/index.ts')],
  outfile: path.join(out, 'index.js'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  supported: {'dynamic-import': false},
  sourcemap: 'linked',
  minifyWhitespace: true,
  minifySyntax: true,
  // ajv is only the from-source fallback, typescript only serves oclif's development mode, and jsonc-parser's UMD
  // build requires its own files at run time: keep them as packages. dockerode is bundled (loading its ~100
  // files cost ~0.15 s on every engine command), but not the parts berth never uses on a local engine (below).
  external: ['ajv', 'typescript', 'jsonc-parser'],
  plugins: [lazyDockerParts, oclifStartUp],
  banner: {js: "const __berthUrl = require('node:url').pathToFileURL(__filename).href;"},
  // the SSH stub's require.resolve('dockerode') finds the real package next to the bundle, on purpose
  logOverride: {'require-resolve-not-external': 'silent'},
  define: {'import.meta.url': '__berthUrl', __BERTH_VERSION__: JSON.stringify(version), __BERTH_BUILD__: JSON.stringify(fingerprint.digest('hex').slice(0, 16))},
  logLevel: 'warning',
})
// All ASCII (esbuild leaves a few characters of regular expressions as they are): bin/run.js then reads the
// bundle as Latin-1, which costs ~2 ms where decoding UTF-8 costs ~10 ms. An escape means the same there.
const bundleFile = path.join(out, 'index.js')
const bundleText = readFileSync(bundleFile, 'utf8')
if (/[^\x00-\x7f]/.test(bundleText)) writeFileSync(bundleFile, bundleText.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))
// The loader bin/run.js uses (the code cache), on its own: it runs before the bundle.
await esbuild.build({entryPoints: [path.join(root, 'src/boot/code-cache.ts')], outfile: path.join(out, 'boot.js'), bundle: true, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'warning'})
// dist/ is CommonJS inside a "type": "module" package; the code cache bin/run.js writes there is this machine's only.
writeFileSync(path.join(out, 'package.json'), '{"type": "commonjs"}\n')
writeFileSync(path.join(out, '.npmignore'), '.code-cache/\n')
// BERTH_BUILD_META=1: what each output file is made of, for size work (esbuild's analyzer reads it).
if (built.metafile) writeFileSync(path.join(out, 'meta.json'), JSON.stringify(built.metafile))
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
