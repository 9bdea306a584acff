// Post-build: oclif.manifest.json (so oclif never scans commands at start-up) and the berth.yml
// schema validator precompiled by Ajv (compiling it at run time costs ~0.2 s).
import {mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {Config} from '@oclif/core'
import {Ajv} from 'ajv'
import standaloneCode from 'ajv/dist/standalone/index.js'

function writeAtomic(file, text) {
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, text)
  renameSync(tmp, file)
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

const ajv = new Ajv({allErrors: true, strict: false, code: {source: true, esm: true}})
const validate = ajv.compile(JSON.parse(readFileSync(path.join(root, 'schema/berth.schema.json'), 'utf8')))
mkdirSync(path.join(root, 'dist/generated'), {recursive: true})
writeAtomic(path.join(root, 'dist/generated/berth-schema.js'), standaloneCode.default(ajv, validate))

// Config.load reads an existing manifest: load from a copy of the package without it.
rmSync(path.join(root, 'oclif.manifest.json'), {force: true})
const config = await Config.load({root, ignoreManifest: true})
const manifest = config.getPluginsList().find((p) => p.isRoot).manifest
if (!manifest || Object.keys(manifest.commands).length === 0) throw new Error('oclif found no commands to put in the manifest')
writeAtomic(path.join(root, 'oclif.manifest.json'), JSON.stringify(manifest, null, 2) + '\n')
console.error(`manifest: ${Object.keys(manifest.commands).length} commands; schema validator precompiled`)
