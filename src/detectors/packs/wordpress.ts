/**
 * The `wordpress` pack, tuned with what WordPress 6.1 does behind nginx and Apache (issue 3):
 * - a failed login is `POST /wp-login.php` answered 200 (the form again, with an error); a successful one is 302;
 * - every `POST /xmlrpc.php` is answered 200, failure or not, and one `system.multicall` can carry hundreds of guesses;
 * - `GET /?author=N` answers 301, 200 or 404 (all count: the attacker learns from each);
 * - the block editor calls `/wp-json/wp/v2/users/me` (and asks for `?who=authors`): never enumeration.
 */
import type { FilterSpec, RuleSpecInput } from '../rule-spec.js'
import type { Pack } from './pack.js'

/** Jetpack's published ranges (https://jetpack.com/support/how-to-add-jetpack-ips-allowlist/): they POST xmlrpc.php. */
export const JETPACK_RANGES: readonly string[] = [
  '122.248.245.244/32',
  '54.217.201.243/32',
  '54.232.116.4/32',
  '192.0.80.0/20',
  '192.0.96.0/20',
  '192.0.112.0/20',
  '195.234.108.0/22',
  '192.0.64.0/18',
]

/** Rules that Jetpack's ranges are exempt from (when `jetpack_allow` is on). */
export const JETPACK_RULES: readonly string[] = ['xmlrpc-abuse', 'distributed-login-attack']

const failedLogin: FilterSpec = { service: 'http', method: 'POST', path: '/wp-login.php', status: [200] }
const successfulLogin: FilterSpec = { service: 'http', method: 'POST', path: '/wp-login.php', status: [302] }
const xmlrpcPost: FilterSpec = { service: 'http', method: 'POST', path: '/xmlrpc.php' }

/** `/wp-json/wp/v2/users`, `…/users/`, `…/users/1`: but never the editor's `…/users/me`. */
const restUsers: FilterSpec = {
  service: 'http',
  path: ['/wp-json/wp/v2/users', '/wp-json/wp/v2/users/*'],
  not_path: ['/wp-json/wp/v2/users/me', '/wp-json/wp/v2/users/me/*'],
  // the block editor's author dropdown (`?who=authors`, `?capabilities=…`, always with `_locale=user`)
  not_query_keys: ['who', 'capabilities', '_locale'],
}
/** The same through plain permalinks: `/?rest_route=/wp/v2/users`. */
const restRouteUsers: FilterSpec = {
  service: 'http',
  query: { rest_route: ['/wp/v2/users', '/wp/v2/users/'] },
  not_query_keys: ['who', 'capabilities', '_locale'],
}
/** `/?author=2`: WordPress redirects to the author's page, revealing the login name. */
const authorProbe: FilterSpec = {
  service: 'http',
  query_keys: ['author'],
  // an admin filtering the post list by author (`/wp-admin/edit.php?author=2`) is not probing
  not_path: ['/wp-admin/*'],
}

const rules: RuleSpecInput[] = [
  {
    name: 'wp-login-bruteforce',
    description: 'Failed WordPress logins (POST /wp-login.php answered 200) from one IP, across all sites',
    filter: failedLogin,
    key: 'ip',
    thresholds: [
      { count: 5, within: '1m' },
      { count: 20, within: '1h' },
      { count: 40, within: '24h' },
    ],
    severity: 'high',
  },
  {
    name: 'xmlrpc-abuse',
    description: 'POSTs to xmlrpc.php from one IP (each can carry hundreds of password guesses)',
    filter: xmlrpcPost,
    key: 'ip',
    thresholds: [
      { count: 10, within: '5m' },
      { count: 40, within: '24h' },
    ],
    severity: 'high',
  },
  {
    name: 'user-enumeration',
    description: 'Listing the users of a site: distinct ?author= probes, or the REST users endpoint',
    filter: [authorProbe, restUsers, restRouteUsers],
    key: 'ip',
    thresholds: [
      { distinct: 'query:author', count: 3, within: '10m' },
      { count: 3, within: '10m', filter: [restUsers, restRouteUsers] },
    ],
    severity: 'medium',
  },
  {
    name: 'distributed-login-attack',
    description: 'Failed logins or xmlrpc POSTs against one site from many IPs, none of which needs to stand out',
    filter: [failedLogin, xmlrpcPost],
    key: 'site',
    thresholds: [{ distinct: 'ip', count: 20, within: '1h' }],
    severity: 'high',
    // an IP that logs in successfully has a password: it is a user, not an attacker
    forgive: successfulLogin,
  },
]

export const wordpressPack: Pack = {
  name: 'wordpress',
  description: 'WordPress: login brute force, xmlrpc abuse, user enumeration, distributed login attacks',
  rules,
}
