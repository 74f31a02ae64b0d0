import tseslint from 'typescript-eslint';

const nodeModules = [
  'node:*',
  'fs',
  'path',
  'os',
  'child_process',
  'crypto',
  'better-sqlite3',
  'sharp',
  'electron',
];

export default tseslint.config(
  { ignores: ['dist/**', 'renderer-dist/**', 'node_modules/**', 'test-artifacts/**', 'bench/results/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // The core is plain Node: it must run in the CLI, workers and tests without Electron.
    files: ['main/core/**/*.ts', 'main/cli/**/*.ts', 'main/serve/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ['electron'] }] },
  },
  {
    // The renderer talks only to the contract: no Node, no native modules, no Electron.
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: nodeModules.map((name) => ({
            group: [name],
            message: 'The renderer reaches main only through the shared contract.',
          })),
        },
      ],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: nodeModules.map((name) => ({ group: [name], message: 'shared/ is pure TypeScript.' })) },
      ],
    },
  },
);
