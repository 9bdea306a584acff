// berth example: a TypeScript HTTP API. GET /?name=you answers {"message": "hello you", "count": N}.
import http from 'node:http'

interface Greeting {
  message: string
  count: number
}

type Name = string

let count = 0

function greet(name: Name): Greeting {
  count += 1
  const message: string = `hello ${name}`
  return {message, count}
}

const server = http.createServer((req: http.IncomingMessage, res: http.ServerResponse) => {
  const url = new URL(req.url ?? '/', 'http://localhost')
  if (url.pathname === '/health') {
    res.writeHead(200, {'content-type': 'text/plain'}).end('ok\n')
    return
  }
  const body: Greeting = greet(url.searchParams.get('name') ?? 'world')
  res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify(body) + '\n')
})

const port: number = Number(process.env.PORT ?? 8100)
server.listen(port, '0.0.0.0', () => console.log(`ts-api listening on :${port}`))
process.on('SIGTERM', () => server.close(() => process.exit(0)))
