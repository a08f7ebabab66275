import { mkdirSync } from 'node:fs'
import { loadConfig } from '../../config/load.js'
import type { LookoutConfig } from '../../config/schema.js'
import { ConfigError } from '../../core/errors.js'
import { createLogger, type Logger } from '../../core/log.js'
import { destinationsFor } from '../../notifiers/index.js'
import { type Pipeline, startPipeline } from '../../pipeline.js'
import { discoverSources } from '../../sources/discover.js'
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js'
import type { Store } from '../../store/store.js'
import { storePath } from './shared.js'

/** After stdin ends, how long undelivered alerts may take before lookout leaves (they stay queued for next time). */
const DRAIN_MS = 30_000
/** Whether some alert is waiting to be sent soon (not one backing off after a failure). */
const sendingSoon = (store: Store, destinations: string[]): boolean =>
  destinations.some((d) => {
    const next = store.outbox.nextDue(d)
    return next !== null && next <= Date.now() + 2000
  })

/** SIGTERM/SIGINT must leave within this, checkpoints flushed (systemd's TimeoutStopSec is longer). */
const STOP_DEADLINE_MS = 2000

export async function runCommand(o: { config?: string }): Promise<void> {
  let cfg = withDiscoveredSources(loadConfig({ file: o.config }))
  const log = loggerFor(cfg)
  mkdirSync(cfg.state_dir, { recursive: true })
  const store = openSqliteStore(storePath(cfg))
  const describe = (c: LookoutConfig) =>
    log.info(
      {
        stateDir: c.state_dir,
        sources: c.sources.map((s) => (s.type === 'file' ? s.path : 'stdin')),
        config: c.configFile,
      },
      'lookout is watching.',
    )

  let pipeline: Pipeline = startPipeline({ config: cfg, store, log })
  describe(cfg)

  const stop = async (signal: string): Promise<void> => {
    log.info({ signal }, 'Stopping: flushing checkpoints.')
    const deadline = setTimeout(() => {
      log.warn('Stop took too long; leaving anyway (checkpoints already written are safe).')
      process.exit(0)
    }, STOP_DEADLINE_MS)
    deadline.unref()
    await pipeline.stop()
    store.close()
    log.info('Stopped.')
    process.exit(0)
  }
  process.once('SIGTERM', () => void stop('SIGTERM'))
  process.once('SIGINT', () => void stop('SIGINT'))
  process.on('SIGHUP', () => {
    let next: LookoutConfig
    try {
      next = withDiscoveredSources(loadConfig({ file: o.config }))
    } catch (err) {
      const issues = err instanceof ConfigError ? err.message.split('\n') : [(err as Error).message]
      log.error({ issues }, 'The new configuration has problems; keeping the one that runs.')
      return
    }
    void (async () => {
      await pipeline.stop()
      cfg = next
      pipeline = startPipeline({ config: cfg, store, log })
      log.info('Configuration reloaded.')
      describe(cfg)
    })()
  })

  await pipeline.done
  // Only stdin sources end by themselves: let the outbox deliver what is due (bounded), then leave.
  const drainUntil = Date.now() + DRAIN_MS
  while (sendingSoon(store, destinationsFor(cfg)) && Date.now() < drainUntil) {
    await new Promise((r) => setTimeout(r, 100))
  }
  await pipeline.stop()
  store.close()
}

function loggerFor(cfg: LookoutConfig): Logger {
  const pretty = cfg.log.format === 'auto' ? undefined : cfg.log.format === 'pretty'
  return createLogger({ level: cfg.log.level, ...(pretty === undefined ? {} : { pretty }) })
}

/** With no `sources:` at all, watch the common log locations that exist on this machine (and say what was found). */
function withDiscoveredSources(cfg: LookoutConfig): LookoutConfig {
  if (cfg.sources.length) return cfg
  const found = discoverSources()
  if (!found.length) {
    throw new ConfigError([
      {
        file: cfg.configFile ?? '<defaults>',
        line: 0,
        column: 0,
        path: 'sources',
        message:
          'no sources configured and none of the usual log locations exist here (/var/log/apache2, /var/log/httpd, /var/log/nginx, /var/www/*/logs); add `sources:` to the config',
      },
    ])
  }
  process.stderr.write(
    `lookout: no sources configured; found these on this machine:\n${found.map((s) => `  ${s.path}`).join('\n')}\n`,
  )
  return Object.freeze({ ...cfg, sources: found })
}
