// Tests are TypeScript run through tsx; one Samba domain is shared by the whole run (test/support/global-domain.ts).
module.exports = {
  'node-option': ['import=tsx'],
  spec: ['test/**/*.test.ts'],
  require: ['test/support/global-domain.ts'],
  timeout: 60000,
  slow: 2000,
  reporter: 'test/support/reporter.cjs',
};
