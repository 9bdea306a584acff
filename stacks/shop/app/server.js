// berth example app: every page view is counted in PostgreSQL (a row per visit) and in Redis (INCR),
// and the page shows both. GET /api/stats returns the same as JSON; GET /health checks both stores.
import http from 'node:http'
import pg from 'pg'
import {createClient} from 'redis'

const port = Number(process.env.PORT ?? 8000)
const db = new pg.Pool({connectionString: process.env.DATABASE_URL, max: 4})
const cache = createClient({url: process.env.REDIS_URL})
cache.on('error', (error) => console.error('redis:', error.message))

// qa and stage start two replicas at once, and two CREATE TABLE IF NOT EXISTS at the same moment can fail in
// PostgreSQL (a unique violation in pg_type): the replicas take turns, under a transaction's advisory lock.
async function migrate() {
  const client = await db.connect()
  try {
    await client.query('BEGIN')
    await client.query('SELECT pg_advisory_xact_lock(8000)')
    await client.query('CREATE TABLE IF NOT EXISTS visits (id serial PRIMARY KEY, path text NOT NULL, at timestamptz NOT NULL DEFAULT now())')
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  } finally {
    client.release()
  }
}

async function stats(path) {
  if (path) await db.query('INSERT INTO visits (path) VALUES ($1)', [path])
  const {rows} = await db.query('SELECT count(*)::int AS visits, current_database() AS database FROM visits')
  const hits = path ? await cache.incr('hits') : Number((await cache.get('hits')) ?? 0)
  return {visits: rows[0].visits, database: rows[0].database, hits, nodeEnv: process.env.NODE_ENV, deployEnv: process.env.DEPLOY_ENV}
}

const html = (s) => `<!doctype html><meta charset="utf-8"><title>shop</title>
<h1>shop</h1>
<p>PostgreSQL (${s.database}): <strong id="visits">${s.visits}</strong> visits recorded.</p>
<p>Redis: <strong id="hits">${s.hits}</strong> hits counted.</p>
<p><small>NODE_ENV=${s.nodeEnv} DEPLOY_ENV=${s.deployEnv}</small></p>\n`

// Stopping (SIGTERM: a rolling update, berth down): every answer says Connection: close for a moment, so a
// client's kept-alive connection is not closed under a request it is sending; new connections still answered.
let closing = false
const DRAIN_MS = process.env.NODE_ENV === 'development' ? 0 : 1000

const server = http.createServer(async (req, res) => {
  if (closing) res.setHeader('connection', 'close')
  try {
    if (req.url === '/health') {
      await db.query('SELECT 1')
      await cache.ping()
      res.writeHead(200, {'content-type': 'text/plain'}).end('ok\n')
    } else if (req.url === '/api/stats') {
      res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify(await stats('/api/stats')) + '\n')
    } else if (req.url === '/') {
      res.writeHead(200, {'content-type': 'text/html; charset=utf-8'}).end(html(await stats('/')))
    } else {
      res.writeHead(404, {'content-type': 'text/plain'}).end('not found\n')
    }
  } catch (error) {
    console.error(error)
    res.writeHead(503, {'content-type': 'text/plain'}).end(`unavailable: ${error.message}\n`)
  }
})

await cache.connect()
await migrate()
server.listen(port, '0.0.0.0', () => console.log(`shop listening on :${port} (NODE_ENV=${process.env.NODE_ENV})`))

const stop = () => {
  if (closing) return
  closing = true
  setTimeout(() => server.close(() => Promise.allSettled([db.end(), cache.quit()]).then(() => process.exit(0))), DRAIN_MS)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
