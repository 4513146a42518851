// Tests are TypeScript run through tsx; one Samba domain is shared by the whole run (test/support/global-domain.ts).
// mocha concatenates a config `spec` with the files named on the command line, so `npx mocha one.test.ts`
// would run the whole suite: the default spec applies only when no test file or directory is named.
const FLAGS_WITH_VALUE = new Set(['--require', '-r', '--file', '--ignore', '--exclude', '--reporter', '-R', '--reporter-option',
  '--reporter-options', '-O', '--config', '--package', '--grep', '-g', '--fgrep', '-f', '--timeout', '-t', '--slow', '-s',
  '--ui', '-u', '--extension', '--node-option', '-n', '--retries', '--jobs', '-j', '--spec', '--import']);
const namedSpecs = process.argv.slice(2).filter((arg, i, args) =>
  !arg.startsWith('-') && !FLAGS_WITH_VALUE.has(args[i - 1]) && !/[\\/]mocha[\\/]|_mocha$|cli\.js$/.test(arg));

module.exports = {
  'node-option': ['import=tsx'],
  extension: ['ts'],
  ...(namedSpecs.length === 0 && { spec: ['test/**/*.test.ts'] }),
  require: ['test/support/global-domain.ts'],
  timeout: 60000,
  slow: 2000,
  reporter: 'test/support/reporter.cjs',
};
