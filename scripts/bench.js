// npm run bench: berth against its baselines, measured side by side in one run (medians, interleaved).
// The rows are registered in scripts/bench-rows.js. Prints a header, then each row's line on stdout as
// soon as it is measured (what runs now on stderr), and the whole table at the end; bench-results.json
// is rewritten after every row. Targets are ratios berth/baseline.
//   BENCH_ONLY=version,render npm run bench     only these rows (ids: see ROWS, or any unknown id)
import {writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {CLI, ROWS, env, root} from './bench-rows.js'

function selected() {
  const only = (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean)
  if (only.length === 0) return ROWS
  const unknown = only.filter((id) => !ROWS.some((r) => r.id === id))
  if (unknown.length) {
    console.error(`bench: unknown row id${unknown.length > 1 ? 's' : ''} in BENCH_ONLY: ${unknown.join(', ')}`)
    console.error(`bench: the rows are:\n${ROWS.map((r) => `  ${r.id.padEnd(12)} ${r.description}`).join('\n')}`)
    process.exit(2)
  }
  return ROWS.filter((r) => only.includes(r.id))
}

/** Rows from other modules may carry only a target text ("<= 0.5", ">= 0.8", "berth_s <= 1.0"): judge them alike. */
function judge(r) {
  if (typeof r.ok === 'boolean' || r.target === 'info') return r
  const m = /^(berth_s\s*)?(<=|>=)\s*([\d.]+)/.exec(String(r.target))
  if (!m) return r
  const value = m[1] ? r.berth_s : r.ratio
  return {...r, ok: m[2] === '<=' ? value <= Number(m[3]) : value >= Number(m[3])}
}

// Rows measure seconds unless they say another unit (the door's rows: req/s, ms, MB/s).
const value = (v, r) => (v === undefined || v === null ? '' : `${v} ${r.unit ?? 's'}`)
const line = (r, width = 0) => `| ${r.name.padEnd(width)} | ${value(r.berth_s, r)} | ${value(r.baseline_s, r)} | ${r.ratio ?? ''} | ${r.target} | ${r.ok === undefined ? '-' : r.ok ? 'yes' : 'NO'} |`
const header = (width = 0) => [`| ${'measure'.padEnd(width)} | berth | baseline | ratio | target | ok |`, `| ${'-'.repeat(Math.max(width, 3))} | --- | --- | --- | --- | --- |`]

const rows = selected()
const results = []
const failed = []
const save = () =>
  writeFileSync(
    path.join(root, 'bench-results.json'),
    JSON.stringify({date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, only: process.env.BENCH_ONLY || undefined, rows: results, failed}, null, 2) + '\n',
  )

console.log(`berth bench: ${rows.map((r) => r.id).join(', ')} (${new Date().toISOString()}, Node ${process.version}, ${os.cpus().length} CPUs)`)
for (const l of header()) console.log(l)
for (const entry of rows) {
  const started = Date.now()
  process.stderr.write(`bench: ${entry.id}: ${entry.description}...\n`)
  try {
    const measured = (await entry.run({root, cli: CLI, env})).map(judge)
    for (const r of measured) console.log(line({...r, id: entry.id}))
    results.push(...measured.map((r) => ({id: entry.id, ...r})))
  } catch (error) {
    failed.push({id: entry.id, error: String(error?.message ?? error)})
    console.log(`| ${entry.id}: FAILED (${String(error?.message ?? error).split('\n')[0]}) | | | | | NO |`)
  }
  process.stderr.write(`bench: ${entry.id}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
  save()
}

if (results.length) {
  const width = Math.max(...results.map((r) => r.name.length))
  console.log('')
  for (const l of header(width)) console.log(l)
  for (const r of results) console.log(line(r, width))
}
if (failed.length) {
  for (const f of failed) console.error(`bench: ${f.id} failed: ${f.error}`)
  process.exitCode = 1
}
