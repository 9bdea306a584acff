#!/usr/bin/env node
// berth's entry point. `berth --version` is answered without loading oclif: it is the one command
// scripts call in a loop, and oclif's start-up alone costs about twice `node -e 0` (see npm run bench).
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
  const {main} = await import('../dist/index.js')
  await main(import.meta.url)
}
