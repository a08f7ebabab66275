/**
 * Real web servers for the end-to-end suite: nginx with per-site logs in the default `combined` format, and
 * Apache 2 with name-based virtual hosts sharing one `vhost_combined` log (Debian's other_vhosts_access.log).
 * Everything lives in a temp dir: config, pid file, logs. No system config is read or touched. Each server is a
 * direct child process (nginx `daemon off;`, apache2 `-DFOREGROUND`), stopped by its pid.
 *
 * The sites answer like WordPress does, without PHP:
 *   POST /wp-login.php  → 200 (the login form again: wrong password), or 302 to /wp-admin/ when the request
 *                          carries `X-E2E-Password: right` (a marker from the test client; the body is ignored)
 *   POST /xmlrpc.php    → 200
 *   /?author=1..3       → 301 to /author/userN/, any other ?author= → 404
 *   known pages         → 200, anything else → 404
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { accessSync, chmodSync, constants, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'

/** The header the test client sets on a POST /wp-login.php whose password is right. */
export const RIGHT_PASSWORD_HEADER = 'x-e2e-password'

/** Pages every site serves with 200 (besides /wp-login.php and /xmlrpc.php). */
export const PAGES = ['/', '/about/', '/contact/', '/blog/hello-world/', '/wp-admin/', '/robots.txt'] as const

export interface WebServer {
  readonly kind: 'nginx' | 'apache'
  readonly port: number
  readonly pid: number
  readonly sites: readonly string[]
  /** the access logs this server writes (nginx: one per site; apache: one shared) */
  readonly logs: readonly string[]
  readonly logDir: string
  /** the site whose requests land in a log file */
  logOf(site: string): string
  /** Stops the server by its pid (graceful, then SIGKILL after 5 s); resolves when it has exited. */
  stop(): Promise<void>
  /** false once the process has exited */
  alive(): boolean
}

const SEARCH_PATH = ['/usr/sbin', '/usr/local/sbin', '/usr/bin', '/usr/local/bin', '/sbin', '/bin']

/** The absolute path of an executable, or null when the machine does not have it. */
export function findBinary(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...SEARCH_PATH]
  for (const dir of dirs) {
    const file = join(dir, name)
    try {
      accessSync(file, constants.X_OK)
      return file
    } catch {
      // not here
    }
  }
  return null
}

/** A TCP port that was free a moment ago on 127.0.0.1 (nginx and apache cannot listen on port 0). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => {
        if (addr !== null && typeof addr === 'object') resolve(addr.port)
        else reject(new Error('no port'))
      })
    })
  })
}

async function waitForPort(port: number, child: ChildProcess, what: string, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before listening: ${stderr()}`)
    }
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect({ host: '127.0.0.1', port })
      sock.once('connect', () => {
        sock.destroy()
        resolve(true)
      })
      sock.once('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`${what} did not listen on 127.0.0.1:${port} within 10 s: ${stderr()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

const isAlive = (child: ChildProcess): boolean =>
  child.pid !== undefined && child.exitCode === null && child.signalCode === null

/** Sends `signal` to the child, waits for its exit; SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs = 5_000): Promise<void> {
  if (!isAlive(child)) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill(signal)
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}

function spawnServer(bin: string, args: string[], what: string): { child: ChildProcess; stderr: () => string } {
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (d: string) => {
    if (err.length < 8_000) err += d
  })
  child.once('error', (e) => {
    err += `\nspawn ${what}: ${e.message}`
  })
  return { child, stderr: () => err.trim() }
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0

/** When started as root, workers drop to www-data (Debian's web user); they only need to read the document root. */
function workerUser(): string | null {
  if (!isRoot()) return null
  try {
    execFileSync('id', ['-u', 'www-data'], { stdio: 'ignore' })
    return 'www-data'
  } catch {
    return null
  }
}

function mkdirs(...dirs: string[]): void {
  for (const d of dirs) mkdirSync(d, { recursive: true })
}

function nginxConf(prefix: string, port: number, sites: readonly string[], user: string | null): string {
  const pages = PAGES.filter((p) => p !== '/')
    .map((p) => `    location = ${p} { return 200 "${p}\\n"; }`)
    .join('\n')
  const servers = sites
    .map(
      (site) => `
  server {
    listen 127.0.0.1:${port};
    server_name ${site};
    access_log ${prefix}/logs/${site}.access.log;
    location = / {
      if ($arg_author ~ "^[1-3]$") { return 301 /author/user$arg_author/; }
      if ($arg_author) { return 404; }
      return 200 "home of ${site}\\n";
    }
    location = /wp-login.php {
      if ($http_${RIGHT_PASSWORD_HEADER.replaceAll('-', '_')} = "right") { return 302 /wp-admin/; }
      return 200 "<form>login</form>\\n";
    }
    location = /xmlrpc.php { return 200 "<methodResponse/>\\n"; }
${pages}
    location / { return 404; }
  }`,
    )
    .join('\n')
  return `# generated by test/e2e/servers.ts
${user === null ? '' : `user ${user} ${user};`}
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 256; }
http {
  default_type text/plain;
  access_log off;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  keepalive_timeout 5;
  server {
    listen 127.0.0.1:${port} default_server;
    server_name _;
    return 444;
  }
${servers}
}
`
}

/**
 * Starts nginx on a free port of 127.0.0.1 with one name-based virtual host per site, each writing
 * `<dir>/logs/<site>.access.log` in the default combined format. `dir` must exist and is used as nginx's prefix.
 */
export async function startNginx(dir: string, sites: readonly string[]): Promise<WebServer & { pidFile: string }> {
  const bin = findBinary('nginx')
  if (bin === null) throw new Error('nginx is not installed (run .ci/install-e2e-deps.sh)')
  const logDir = join(dir, 'logs')
  mkdirs(logDir, join(dir, 'tmp'))
  const port = await freePort()
  const conf = join(dir, 'nginx.conf')
  writeFileSync(conf, nginxConf(dir, port, sites, workerUser()))
  // -e: the error log before the config is read (else nginx tries /var/log/nginx/error.log first).
  const { child, stderr } = spawnServer(
    bin,
    ['-p', dir, '-c', conf, '-e', join(logDir, 'error.log'), '-g', 'daemon off;'],
    'nginx',
  )
  await waitForPort(port, child, 'nginx', () => `${stderr()} ${readIfExists(join(logDir, 'error.log'))}`)
  const logOf = (site: string): string => {
    if (!sites.includes(site)) throw new Error(`nginx does not serve ${site}`)
    return join(logDir, `${site}.access.log`)
  }
  return {
    kind: 'nginx',
    port,
    pid: child.pid ?? -1,
    pidFile: join(dir, 'nginx.pid'),
    sites,
    logs: sites.map(logOf),
    logDir,
    logOf,
    stop: () => stopChild(child, 'SIGQUIT'),
    alive: () => isAlive(child),
  }
}

function readIfExists(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-4_000)
  } catch {
    return ''
  }
}

const APACHE_MODULES = [
  ['mpm_event_module', 'mod_mpm_event.so'],
  ['authz_core_module', 'mod_authz_core.so'],
  ['mime_module', 'mod_mime.so'],
  ['dir_module', 'mod_dir.so'],
  ['rewrite_module', 'mod_rewrite.so'],
] as const

/** Apache's compiled-in modules; Debian's build has log_config and unixd inside the binary. */
function apacheBuiltins(bin: string): Set<string> {
  const out = execFileSync(bin, ['-l'], { encoding: 'utf8' })
  return new Set(out.split('\n').map((l) => l.trim().replace(/\.c$/, '')))
}

function apacheConf(root: string, port: number, sites: readonly string[], user: string | null, bin: string): string {
  const modDir = '/usr/lib/apache2/modules'
  const builtins = apacheBuiltins(bin)
  const loads = [...APACHE_MODULES, ['log_config_module', 'mod_log_config.so'], ['unixd_module', 'mod_unixd.so']]
    .filter(([, so]) => !builtins.has(so.replace(/\.so$/, '')))
    .map(([name, so]) => `LoadModule ${name} ${modDir}/${so}`)
    .join('\n')
  const vhosts = sites
    .map(
      (site) => `
<VirtualHost 127.0.0.1:${port}>
  ServerName ${site}
  DocumentRoot ${root}/htdocs
</VirtualHost>`,
    )
    .join('\n')
  return `# generated by test/e2e/servers.ts
ServerRoot ${root}
DefaultRuntimeDir ${root}/run
PidFile ${root}/run/apache2.pid
Mutex file:${root}/run default
ErrorLog ${root}/logs/error.log
LogLevel warn
${loads}
${user === null ? '' : `User ${user}\nGroup ${user}`}
Listen 127.0.0.1:${port}
ServerName localhost
StartServers 1
ServerLimit 2
ThreadsPerChild 16
MaxRequestWorkers 32
KeepAliveTimeout 2
TypesConfig /etc/mime.types
DefaultType text/plain
DirectoryIndex index.html
# Debian's /etc/apache2/apache2.conf, word for word:
LogFormat "%v:%p %h %l %u %t \\"%r\\" %>s %O \\"%{Referer}i\\" \\"%{User-Agent}i\\"" vhost_combined
# Debian's conf-available/other-vhosts-access-log.conf: vhosts without their own CustomLog log here.
CustomLog ${root}/logs/other_vhosts_access.log vhost_combined
<Directory />
  AllowOverride None
  Require all denied
</Directory>
<Directory ${root}/htdocs>
  # mod_rewrite in directory context needs FollowSymLinks (else every request is 403)
  Options FollowSymLinks
  AllowOverride None
  Require all granted
</Directory>
RewriteEngine On
${vhosts}
# The WordPress-like answers; directory context, so every vhost (they share the document root) gets them.
<Directory ${root}/htdocs>
  RewriteEngine On
  RewriteCond %{HTTP:${RIGHT_PASSWORD_HEADER}} =right
  RewriteRule ^wp-login\\.php$ /wp-admin/ [R=302,L]
  RewriteCond %{QUERY_STRING} (^|&)author=([1-3])(&|$)
  RewriteRule ^$ /author/user%2/? [R=301,L]
  RewriteCond %{QUERY_STRING} (^|&)author=
  RewriteRule ^$ - [R=404,L]
</Directory>
`
}

/**
 * Starts Apache 2 on a free port of 127.0.0.1 with one name-based virtual host per site; every vhost logs to
 * `<dir>/logs/other_vhosts_access.log` in Debian's `vhost_combined` format. `dir` must exist (ServerRoot).
 */
export async function startApache(dir: string, sites: readonly string[]): Promise<WebServer> {
  const bin = findBinary('apache2') ?? findBinary('httpd')
  if (bin === null) throw new Error('apache2 is not installed (run .ci/install-e2e-deps.sh)')
  const logDir = join(dir, 'logs')
  const htdocs = join(dir, 'htdocs')
  mkdirs(logDir, join(dir, 'run'), htdocs)
  // Static pages; POST to a static file is answered 200 by Apache's default handler, like WordPress's login form.
  for (const page of PAGES) {
    const file = page.endsWith('/') ? join(htdocs, page, 'index.html') : join(htdocs, page)
    mkdirs(join(file, '..'))
    writeFileSync(file, `${page}\n`)
  }
  writeFileSync(join(htdocs, 'wp-login.php'), '<form>login</form>\n')
  writeFileSync(join(htdocs, 'xmlrpc.php'), '<methodResponse/>\n')
  const user = workerUser()
  // Workers run as www-data when we are root: they must be able to traverse the temp dirs to the document root.
  if (user !== null) {
    for (const d of [join(dir, '..'), dir]) chmodSync(d, 0o755)
    chmodRecursive(htdocs)
  }
  const port = await freePort()
  const conf = join(dir, 'apache2.conf')
  writeFileSync(conf, apacheConf(dir, port, sites, user, bin))
  const { child, stderr } = spawnServer(bin, ['-f', conf, '-DFOREGROUND'], 'apache2')
  await waitForPort(port, child, 'apache2', () => `${stderr()} ${readIfExists(join(logDir, 'error.log'))}`)
  const log = join(logDir, 'other_vhosts_access.log')
  return {
    kind: 'apache',
    port,
    pid: child.pid ?? -1,
    sites,
    logs: [log],
    logDir,
    logOf: (site: string) => {
      if (!sites.includes(site)) throw new Error(`apache does not serve ${site}`)
      return log
    },
    // SIGTERM: Apache's "stop now" (children are killed by the parent).
    stop: () => stopChild(child, 'SIGTERM'),
    alive: () => isAlive(child),
  }
}

function chmodRecursive(dir: string): void {
  execFileSync('chmod', ['-R', 'a+rX', dir])
}
