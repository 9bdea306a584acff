// A tiny app that says which container answered (os.hostname(), the container's id) and what the front door
// told it (X-Forwarded-*): berth's tests of replicas and of the https front door use it. No dependencies.
import http from 'node:http'
import os from 'node:os'

const port = Number(process.env.PORT ?? 8000)
const about = (req) => ({
  hostname: os.hostname(),
  url: req.url,
  proto: req.headers['x-forwarded-proto'] ?? null,
  forwardedFor: req.headers['x-forwarded-for'] ?? null,
  forwardedHost: req.headers['x-forwarded-host'] ?? null,
  deployEnv: process.env.DEPLOY_ENV,
})

http
  .createServer((req, res) => {
    if (req.url === '/health') return res.writeHead(200, {'content-type': 'text/plain'}).end('ok\n')
    if (req.url.startsWith('/api/whoami')) return res.writeHead(200, {'content-type': 'application/json'}).end(`${JSON.stringify(about(req))}\n`)
    const a = about(req)
    res.writeHead(200, {'content-type': 'text/html; charset=utf-8'}).end(`<!doctype html><meta charset="utf-8"><title>whoami</title>\n<h1>whoami</h1>\n<p>Answered by <strong id="hostname">${a.hostname}</strong> (${a.deployEnv}) over ${a.proto ?? 'http'}.</p>\n`)
  })
  .listen(port, '0.0.0.0', () => console.log(`whoami on ${port}`))
process.on('SIGTERM', () => process.exit(0))
