/**
 * Real logrotate, configured the way Debian's packages do it: nginx with `create` and a USR1 to reopen the logs
 * (/etc/logrotate.d/nginx), Apache's shared log with `copytruncate` (what hosting panels often use). Each config
 * and logrotate's state file live in the test's temp dir; `-f` forces the rotation now.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { findBinary } from './servers.js'

export interface Logrotate {
  /** runs `logrotate -f` on this config; throws with logrotate's output when it fails */
  run(): void
  readonly configFile: string
}

function logrotate(configFile: string, stateFile: string): Logrotate {
  const bin = findBinary('logrotate')
  if (bin === null) throw new Error('logrotate is not installed (run .ci/install-e2e-deps.sh)')
  return {
    configFile,
    run() {
      try {
        execFileSync(bin, ['-f', '-s', stateFile, configFile], { encoding: 'utf8', stdio: 'pipe', timeout: 20_000 })
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string; message: string }
        throw new Error(`logrotate ${configFile} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`)
      }
    },
  }
}

/** nginx's logs: rename, create a new file, then USR1 to the master so that it reopens them (Debian's way). */
export function nginxLogrotate(dir: string, logDir: string, pidFile: string): Logrotate {
  const conf = join(dir, 'logrotate-nginx.conf')
  writeFileSync(
    conf,
    `${logDir}/*.access.log {
  daily
  missingok
  rotate 14
  compress
  delaycompress
  notifempty
  create 0640
  sharedscripts
  postrotate
    [ -s ${pidFile} ] && kill -USR1 "$(cat ${pidFile})"
  endscript
}
`,
  )
  return logrotate(conf, join(dir, 'logrotate-nginx.state'))
}

/** Apache's shared log: copy it to .1, then truncate it in place; Apache keeps writing (O_APPEND) to the same file. */
export function apacheLogrotate(dir: string, logFile: string): Logrotate {
  const conf = join(dir, 'logrotate-apache.conf')
  writeFileSync(
    conf,
    `${logFile} {
  daily
  missingok
  rotate 14
  compress
  delaycompress
  notifempty
  copytruncate
}
`,
  )
  return logrotate(conf, join(dir, 'logrotate-apache.state'))
}

/** A log and its rotated generations (`x.log`, `x.log.1`, `x.log.2.gz`…), in no particular order. */
export function generations(log: string): string[] {
  const dir = dirname(log)
  const name = basename(log)
  return readdirSync(dir)
    .filter((f) => f === name || new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.\\d+(\\.gz)?$`).test(f))
    .map((f) => join(dir, f))
}

/** Lines and bytes a web server wrote to a log over its life: the current file plus every rotated one. */
export function written(log: string): { lines: number; bytes: number; files: number } {
  let lines = 0
  let bytes = 0
  const files = generations(log)
  for (const f of files) {
    const buf = f.endsWith('.gz') ? gunzipSync(readFileSync(f)) : readFileSync(f)
    bytes += f.endsWith('.gz') ? buf.length : statSync(f).size
    for (const b of buf) if (b === 10) lines++
  }
  return { lines, bytes, files: files.length }
}
