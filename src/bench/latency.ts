/**
 * Alert latency on a live `lookout run`: from the moment the line that crosses a threshold is appended to a watched
 * file until a local Slack-compatible endpoint receives the POST. Prints JSON {samples, medianMs, p90Ms, maxMs}.
 * (`npm run bench` runs it; alone: `node dist/bench/latency.js [samples]`.)
 */
import { spawn } from 'node:child_process'
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const CLI = fileURLToPath(new URL('../cli/lookout.js', import.meta.url))
const samples = Number(process.argv[2] ?? 25)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const SITES = 10

const clf = (d: Date): string => {
  const mon = d.toUTCString().slice(8, 11)
  const p = (n: number) => String(n).padStart(2, '0')
  return `${p(d.getUTCDate())}/${mon}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`
}
const failedLogin = (ip: string) =>
  `${ip} - - [${clf(new Date())}] "POST /wp-login.php HTTP/1.1" 200 4523 "-" "python-requests/2.31"\n`

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-latency-'))
  // the attackers take turns over ten sites: one site failing logins from 20 IPs is an incident of its own (the
  // wordpress pack's site rule), whose message would take the next alert's turn at Slack and name its IPs early
  const log = (i: number): string => join(dir, `site${i % SITES}.access.log`)
  for (let i = 0; i < SITES; i++) writeFileSync(log(i), '')

  // the Slack stand-in: notes when each POST has fully arrived
  const arrivals = new Map<string, number>()
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      const at = performance.now()
      for (const m of body.matchAll(/198\.18\.\d+\.\d+/g)) if (!arrivals.has(m[0])) arrivals.set(m[0], at)
      res.end('ok')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port

  const config = join(dir, 'lookout.yml')
  writeFileSync(
    config,
    [
      `state_dir: ${join(dir, 'state')}`,
      'sources:',
      `  - { path: '${join(dir, '{site}.access.log')}', format: combined, start_at: beginning }`,
      'notify:',
      `  slack: { webhook_url: "http://127.0.0.1:${port}/services/T000/B000/bench" }`,
      'log: { level: error }',
    ].join('\n'),
  )
  const child = spawn(process.execPath, [CLI, 'run', '--config', config], { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  await sleep(1500) // start-up: the source opens the file and starts watching

  const latencies: number[] = []
  for (let i = 0; i < samples; i++) {
    // each attacker in its own /24, so that none is rolled up into another's subnet incident
    const ip = `198.18.${i % 256}.7`
    appendFileSync(log(i), failedLogin(ip).repeat(4))
    await sleep(100)
    const t0 = performance.now()
    appendFileSync(log(i), failedLogin(ip)) // the 5th failure within a minute crosses the threshold
    const deadline = Date.now() + 5000
    while (!arrivals.has(ip) && Date.now() < deadline) await sleep(1)
    const at = arrivals.get(ip)
    if (at !== undefined) latencies.push(at - t0)
    await sleep(1100) // Slack's pacing is one message a second: keep samples apart so pacing is not measured
  }
  child.kill('SIGTERM')
  server.close()
  rmSync(dir, { recursive: true, force: true })
  if (latencies.length < samples) {
    process.stderr.write(`only ${latencies.length} of ${samples} alerts arrived\n${err.slice(-2000)}\n`)
  }
  latencies.sort((a, b) => a - b)
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN
  const r = (n: number) => Math.round(n * 10) / 10
  process.stdout.write(
    `${JSON.stringify({ samples: latencies.length, medianMs: r(q(0.5)), p90Ms: r(q(0.9)), maxMs: r(latencies.at(-1) ?? Number.NaN) })}\n`,
  )
}

await main()
