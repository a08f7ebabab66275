/**
 * A fake Slack incoming-webhook endpoint for tests (records posts, scriptable answers, Block Kit checks).
 * The implementation lives in src/notifiers/testdata/ so that unit tests under src/ can use it too.
 */
export * from '../../src/notifiers/testdata/fake-slack.js'
