// Lint: typescript-eslint's recommended rules over every TypeScript source.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', '.demo/**', '**/*.html', 'nodes/**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly',
        clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly',
        AbortController: 'readonly', AbortSignal: 'readonly', setImmediate: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  // Rooms: the library stands alone (no Node-RED glue, no emulator), the emulator is an
  // independent site (it must not share the client's code, or both could be wrong the same way),
  // and the nodes talk to a site only through the library.
  {
    files: ['lib/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/nodes', '**/nodes/**', '**/emulator', '**/emulator/**'], message: 'lib/ imports neither nodes/ nor emulator/ (rooms)' }] }] },
  },
  {
    files: ['emulator/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/lib', '**/lib/**', '!**/node_modules/**'], message: 'emulator/ does not import lib/ (rooms)' }] }] },
  },
  {
    files: ['nodes/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/emulator', '**/emulator/**'], message: 'nodes/ does not import emulator/ (rooms)' }] }] },
  },
  {
    // The editor's browser script (served from resources/ to the Node-RED editor).
    files: ['resources/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { window: 'readonly', RED: 'readonly', $: 'readonly', Promise: 'readonly', JSON: 'readonly' } },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
