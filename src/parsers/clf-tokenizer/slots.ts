/**
 * What the WebAssembly tokenizer (tokenizer.as.ts) and its TypeScript side (tokenizer.ts, clf.ts) agree on: where each
 * result lies in the record, the flags `tokenize` takes, its failure codes, its tables of texts seen. Plain
 * constants, so that AssemblyScript and TypeScript both compile this one file.
 */

// the result record: i32 slots (positions relative to the line's first byte)
export const IP_FROM = 0
export const IP_TO = 1
/** 4: IPv4 (value in V4), 6: IPv6 by shape, 0: neither (clf.ts decides) */
export const SHAPE = 2
/** -1: no vhost column */
export const VHOST_TO = 3
export const IDENT_TO = 4
/** the user is [IDENT_TO + 1, USER_TO) when IDENT_TO < USER_TO */
export const USER_TO = 5
/** -1: not a number from 0 to 999 */
export const STATUS = 6
export const REF_FROM = 7
export const REF_TO = 8
export const UA_FROM = 9
export const UA_TO = 10
export const XFF_FROM = 11
export const XFF_TO = 12
/** 0: no request fields, 1: GET, 2: POST, 3: other (METHOD_FROM..METHOD_TO) */
export const METHOD = 13
export const METHOD_FROM = 14
export const METHOD_TO = 15
/** -1: none */
export const PROTO_FROM = 16
export const PROTO_TO = 17
export const PATH_FROM = 18
export const PATH_TO = 19
/** -1: no '?' (the path is the whole target, and `-` reads as absent) */
export const QUERY_FROM = 20
export const QUERY_TO = 21
/** the client's text in the IP table (non-IPv4 clients only), -1: not remembered */
export const IP_SLOT = 22
/** the vhost column's text in the vhost table, -1: not remembered */
export const VHOST_SLOT = 23
// f64 slots
/** ms since the epoch, UTC */
export const TIME = 32
/** -1: bad */
export const BYTES = 33
export const V4 = 34

// tokenize's flags
/** also find a third quoted field (X-Forwarded-For; wanted with trusted proxies only) */
export const XFF = 1
/** the line's bytes are its text (not one byte per character with 0x80 for anything beyond ASCII): texts may be remembered */
export const EXACT = 2
/** stop after the byte count: no referer, user agent or X-Forwarded-For (scan.as.ts, which needs none of them) */
export const NO_TAIL = 4

// tokenize's answers (clf.ts says them in words)
export const OK = 0
export const NO_REQUEST = 1
export const NO_TIME = 2
export const BAD_TIME = 3
export const NO_CLIENT = 4
export const UNTERMINATED = 5
export const NO_STATUS = 6
/** an empty or `-` client column: said without looking whether the line is an error-log line */
export const NO_CLIENT_ADDRESS = 7

// the tables of texts seen
export const TABLE_SLOTS = 4096
/** added to a slot that holds the very text */
export const HIT = 65536

// `scan`'s per-line records (scan.as.ts): REC_WORDS i32 words each
export const REC_WORDS = 10
/** where the line starts, relative to the chunk */
export const REC_START = 0
/** its bytes up to the newline (a '\r' before it included) */
export const REC_LEN = 1
/** REC_QUIET, REC_JS or REC_JS_TEXT */
export const REC_KIND = 2
/**
 * a QUIET line's client: an IPv4 address as 32 bits; else its slot in the scan's table of clients (| HIT when that
 * slot held this very text already; -1: none, the text is empty or long)
 */
export const REC_V4 = 3
/** a QUIET line's VHOST_TO (-1: no vhost column) */
export const REC_VHOST_TO = 4
/** a QUIET line's SHAPE: 4 (the client is REC_V4), else its text is to be normalised (and may be no IP at all) */
export const REC_SHAPE = 5
/** a QUIET line's client text, relative to the line */
export const REC_IP_FROM = 6
export const REC_IP_TO = 7
/** a QUIET line's time (f64 index: words 8 and 9), ms since the epoch */
export const REC_TIME_F64 = 4
/** the line needs the JavaScript parser: not a plain line, or some rule may match it */
export const REC_JS = 0
/** the same, for a line whose bytes are not its characters (beyond ASCII, or over max_line_bytes) */
export const REC_JS_TEXT = 2
/** a plain line that no rule can match: its event is made only if an incident asks for it */
export const REC_QUIET = 1

// the prefilter as scan.as.ts reads it (prefilter.ts writes it): i32 words, offsets in words from its start
export const PF_METHODS = 0
export const PF_METHODS_AT = 1
export const PF_TABLE_AT = 2
export const PF_GROUPS_AT = 3
/** group flags */
export const PF_NONE = 1
export const PF_ALL = 2
/** term modes */
export const PF_HEAD = 0
export const PF_ANYWHERE = 1
export const PF_AT_END = 2
