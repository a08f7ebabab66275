import { Command, CommanderError, Option } from 'commander'
import { ConfigError, LookoutError, UsageError } from '../core/errors.js'
import { VERSION } from './version.js'

/** Exit codes (design.md): 0 ok, 1 runtime failure, 2 bad usage or config. */
const EXIT_RUNTIME = 1
const EXIT_USAGE = 2

const program = new Command()
  .name('lookout')
  .description('Watches web and auth logs, spots brute force and abuse, and tells your team in Slack.')
  .version(VERSION)
  .option('--debug', 'print stack traces on errors')
  .showHelpAfterError()
  .exitOverride()

const configOption = () =>
  new Option('-c, --config <file>', 'config file (default: $LOOKOUT_CONFIG, else ./lookout.yml)')

program
  .command('run')
  .description('watch the configured logs and alert (the daemon)')
  .addOption(configOption())
  .action(async (o: { config?: string }) => (await import('./commands/run.js')).runCommand(o))

program
  .command('scan')
  .description('analyse old logs (plain or .gz, - for stdin) with the same rules and report incidents')
  .argument('<files...>', 'log files, taken in time order')
  .option('-f, --format <format>', 'log format (default: auto)')
  .addOption(configOption())
  .option('--json', 'print one JSON document')
  .action(async (files: string[], o: { format?: string; config?: string; json?: boolean }) =>
    (await import('./commands/scan.js')).scanCommand(files, o),
  )

program
  .command('parse')
  .description('print one JSON object per input line: the event, or the error (a format tester)')
  .argument('[files...]', 'log files (plain or .gz); none or - reads stdin')
  .option(
    '-f, --format <format>',
    'log format: auto, common, combined, vhost_combined, nginx, syslog, json, apache:<LogFormat>, nginx:<log_format>',
    'auto',
  )
  .addOption(configOption())
  .action(async (files: string[], o: { format: string; config?: string }) =>
    (await import('./commands/parse.js')).parseCommand(files, o),
  )

program
  .command('check')
  .description('validate the config, print every problem at once, and show what would be watched')
  .addOption(configOption())
  .action(async (o: { config?: string }) => (await import('./commands/check.js')).checkCommand(o))

program
  .command('config-schema')
  .description("print the config's JSON Schema (for editors)")
  .action(async () => (await import('./commands/config-schema.js')).configSchemaCommand())

program
  .command('status')
  .description('what is watched, lines read, incidents, the outbox (also while run is running)')
  .addOption(configOption())
  .option('--json', 'print JSON')
  .action(async (o: { config?: string; json?: boolean }) => (await import('./commands/status.js')).statusCommand(o))

program
  .command('duty')
  .description('who is on duty')
  .addOption(configOption())
  .option('--at <date>', 'a date or time (default: now)')
  .action(async (o: { config?: string; at?: string }) => (await import('./commands/duty.js')).dutyCommand(o))

const outbox = program
  .command('outbox')
  .description('alerts waiting or failed')
  .addOption(configOption())
  .option('--json', 'print JSON')
  .action(async (o: { config?: string; json?: boolean }) => (await import('./commands/outbox.js')).outboxCommand(o))
outbox
  .command('retry')
  .description('requeue a failed alert (by id) or all of them')
  .argument('[id]', 'outbox id (see `lookout outbox`)')
  .option('--all', 'requeue every failed alert')
  .addOption(configOption())
  .action(async (id: string | undefined, o: { all?: boolean; config?: string }) =>
    (await import('./commands/outbox.js')).outboxRetryCommand(id, { ...outbox.opts(), ...o }),
  )

program
  .command('test-alert')
  .description('send a sample alert through every configured notifier and say how it went')
  .addOption(configOption())
  .action(async (o: { config?: string }) => (await import('./commands/test-alert.js')).testAlertCommand(o))

program
  .command('demo')
  .description('a self-contained show: an hour of generated traffic with attacks, through the live pipeline')
  .option('--speed <factor>', 'time acceleration', '600')
  .option('--seed <n>', 'traffic seed', '7')
  .option('--keep', 'keep the temporary folder with the logs and the store')
  .action(async (o: { speed: string; seed: string; keep?: boolean }) =>
    (await import('./commands/demo.js')).demoCommand(o),
  )

function printError(err: unknown, debug: boolean): void {
  if (err instanceof ConfigError) {
    process.stderr.write(
      `lookout: the configuration has ${err.issues.length === 1 ? 'a problem' : `${err.issues.length} problems`}:\n`,
    )
    process.stderr.write(`${err.message.replace(/^/gm, '  ')}\n`)
    return
  }
  let e: unknown = err
  let indent = ''
  process.stderr.write('lookout: ')
  while (e instanceof Error) {
    process.stderr.write(`${indent}${e.message}\n`)
    if (debug && e.stack) process.stderr.write(`${e.stack}\n`)
    e = e.cause
    indent += '  '
  }
  if (e !== undefined && !(e instanceof Error)) process.stderr.write(`${indent}${String(e)}\n`)
}

/**
 * Output read through a pipe that closes early (`lookout parse big.log | head`): the reader has what it wanted, so
 * the command stops there, quietly and with 0, instead of dying on EPIPE with a stack trace. `run` goes on: its alerts
 * also go to Slack and the outbox, and a console nobody reads any more is no reason to stop watching.
 */
function onStdoutError(err: NodeJS.ErrnoException): void {
  if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err
  if (program.args[0] !== 'run') process.exit(0)
}

/** (a function, not top-level await: the bundle is CommonJS, see scripts/bundle.mjs) */
async function main(): Promise<void> {
  process.stdout.on('error', onStdoutError)
  try {
    await program.parseAsync(process.argv)
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE
    } else {
      printError(err, program.opts<{ debug?: boolean }>().debug === true)
      process.exitCode = err instanceof ConfigError || err instanceof UsageError ? EXIT_USAGE : EXIT_RUNTIME
      if (!(err instanceof LookoutError) && !program.opts<{ debug?: boolean }>().debug) {
        process.stderr.write('  (this looks like a bug in lookout; run with --debug for the stack trace)\n')
      }
    }
  }
}

void main()
