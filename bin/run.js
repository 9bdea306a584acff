#!/usr/bin/env node
// berth's entry point. `berth --version` is answered without loading oclif: it is the one command
// scripts call in a loop, and oclif's start-up alone costs about twice `node -e 0` (see npm run bench).
import {createRequire} from 'node:module'

const require = createRequire(import.meta.url)

const argv = process.argv.slice(2)
// docker-modem parses ssh:// engine addresses with url.parse, which Node 20 warns about on stderr (DEP0170):
// not the user's concern, and not berth's words.
const emitWarning = process.emitWarning
process.emitWarning = function (warning, ...rest) {
  const code = typeof rest[0] === 'object' ? rest[0]?.code : rest[1]
  if (code === 'DEP0170') return
  return emitWarning.call(process, warning, ...rest)
}
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  const {readFileSync} = await import('node:fs')
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`berth/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  // The bundle (one CommonJS file) compiled from V8's code cache when there is one (src/boot/code-cache.ts).
  // Node's loader instead with --enable-source-maps (it maps stack traces of what it loads itself only) or
  // BERTH_NO_CODE_CACHE=1.
  const bundle = require.resolve('../dist/index.js')
  const plain = process.env.BERTH_NO_CODE_CACHE === '1' || process.sourceMapsEnabled
  const {main} = plain ? require(bundle) : require('../dist/boot.js').loadBundle(bundle, bootOptions()).exports
  await main(import.meta.url)
}

function bootOptions() {
  const debug = process.env.BERTH_DEBUG === '1' || argv.includes('--debug')
  return {
    trace: debug ? (line) => process.stderr.write(`[berth +${(performance.now() / 1000).toFixed(3)}s] ${line}\n`) : undefined,
    // the cache is rewritten once for each new command, so that it holds the code of the commands in use
    use: (exports) => require('../dist/boot.js').commandOf(argv, Object.keys(exports.COMMANDS ?? {})),
  }
}
