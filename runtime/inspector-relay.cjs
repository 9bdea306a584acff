// Run by berth in a container (node -e SCRIPT PORT) once per bridged connection: stdin/stdout <-> 127.0.0.1:PORT.
const PORT = Number(process.argv[1] || 9229)
const s = require('net').connect(PORT, '127.0.0.1')
process.stdin.pipe(s); s.pipe(process.stdout)
s.on('error', (e) => { process.stderr.write(String(e)); process.exit(1) })
s.on('close', () => process.exit(0))
process.stdin.on('end', () => s.end())
